"""Joins the JSON lines of a hone benchmark and its PyTorch peer (same case names) into one table with
ratios. Usage: compare.py HONE.jsonl TORCH.jsonl [--sgemm-key NAME]"""
import json
import sys


def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                r = json.loads(line)
                rows[r["name"]] = r
    return rows


def main():
    hone, torch = load(sys.argv[1]), load(sys.argv[2])
    sgemm = {k: v for k, v in hone.items() if k.startswith("sgemm")}
    print(f"{'case':48} {'hone ms':>9} {'torch ms':>9} {'speedup':>8} {'GFLOP/s':>8} {'of sgemm':>9}")
    for name, r in hone.items():
        if name.startswith("sgemm"):
            continue
        t = torch.get(name)
        gflops = r["flops"] / r["ms"] / 1e6 if r.get("flops") else 0.0
        ratio = f"{t['ms'] / r['ms']:7.2f}x" if t else "      -"
        of_sgemm = ""
        ref = sgemm.get(r.get("sgemm_ref", ""))
        if ref and gflops:
            of_sgemm = f"{gflops / (ref['flops'] / ref['ms'] / 1e6):8.2f}x"
        tms = f"{t['ms']:9.2f}" if t else "        -"
        print(f"{name:48} {r['ms']:9.2f} {tms} {ratio:>8} {gflops:8.1f} {of_sgemm:>9}")
    for name, r in sgemm.items():
        print(f"{name:48} {r['ms']:9.2f} {'':9} {'':8} {r['flops'] / r['ms'] / 1e6:8.1f}")


if __name__ == "__main__":
    main()
