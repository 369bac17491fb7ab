"""Joins bench/train_throughput_bench.cpp's JSON lines with bench/torch_train.py's (same case names) into
the end-to-end training table, then lists hone's recomputation levels. Usage: compare_train.py HONE.jsonl TORCH.jsonl"""
import json
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.startswith("{")]


def mib(n):
    return f"{n / 2**20:8.0f}"


def main():
    hone, torch = load(sys.argv[1]), load(sys.argv[2])
    peer = {r["name"]: r for r in torch}
    print(f"{'case':40} {'hone tok/s':>10} {'torch tok/s':>11} {'speedup':>8} "
          f"{'hone MiB':>9} {'hone RSS+':>9} {'torch RSS+':>10}")
    for r in hone:
        if r["recompute"] != "none":
            continue
        t = peer.get(r["name"])
        ratio = f"{r['tokens_per_s'] / t['tokens_per_s']:7.2f}x" if t else "       -"
        print(f"{r['name']:40} {r['tokens_per_s']:10.0f} {t['tokens_per_s'] if t else 0:11.0f} {ratio:>8} "
              f"{mib(r['accounted_bytes']):>9} {mib(r['rss_delta_bytes']):>9} {mib(t['rss_delta_bytes']) if t else '-':>10}")
    levels = [r for r in hone if r["recompute"] != "none" or any(
        o["name"] == r["name"] and o["recompute"] != "none" for o in hone)]
    if levels:
        print(f"\n{'recompute level':40} {'tok/s':>10} {'ms/step':>9} {'activ MiB':>10} {'total MiB':>10} {'RSS+ MiB':>9}")
        for r in levels:
            print(f"{r['name'] + ' / ' + r['recompute']:40} {r['tokens_per_s']:10.0f} {r['ms_per_step']:9.0f} "
                  f"{mib(r['arena_bytes']):>10} {mib(r['accounted_bytes']):>10} {mib(r['rss_delta_bytes']):>9}")


if __name__ == "__main__":
    main()
