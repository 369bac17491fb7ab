"""The PyTorch reference process for hone's C++ tests (tests/support/torch_reference.cpp).

Reads one JSON request per line on stdin: {"module", "function", "input", "output"}. Loads the input
safetensors file (tensors plus a JSON "config" in its metadata), calls module.function(tensors, config),
which returns a dict of tensors, writes them to the output file and answers one JSON line on stdout:
{"ok": true} or {"ok": false, "error": "..."}.
"""
import importlib
import json
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import st_io  # noqa: E402

torch.set_num_threads(int(os.environ.get("HONE_REFERENCE_THREADS", "1")))


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
            module = importlib.import_module(request["module"])
            function = getattr(module, request["function"])
            tensors, metadata = st_io.load(request["input"])
            config = json.loads(metadata.get("config", "{}"))
            outputs = function(tensors, config)
            st_io.save(request["output"], outputs)
            answer = {"ok": True}
        except Exception as error:  # report any failure to the test instead of dying
            last = traceback.format_exc().strip().splitlines()[-1]
            answer = {"ok": False, "error": f"{type(error).__name__}: {error} ({last})"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
