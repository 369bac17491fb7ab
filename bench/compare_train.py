"""Joins bench/train_throughput_bench.cpp's JSON lines with bench/torch_train.py's (same case names) into
the end-to-end training table, then lists hone's recomputation levels. Each (case, level) may appear
once per round: the fastest round counts (the machine's other load only ever slows a run down), and
memory is the largest seen. Usage: compare_train.py HONE.jsonl TORCH.jsonl"""
import json
import sys


def best(path):
    rows = {}
    with open(path) as f:
        for line in f:
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            key = (r["name"], r["recompute"])
            if key in rows:
                old = rows[key]
                worst_rss = max(old["rss_delta_bytes"], r["rss_delta_bytes"])
                r = r if r["tokens_per_s"] > old["tokens_per_s"] else old
                r["rss_delta_bytes"] = worst_rss
            rows[key] = r
    return rows


def mib(n):
    return f"{n / 2**20:.0f}"


def main():
    hone, torch = best(sys.argv[1]), best(sys.argv[2])
    print(f"{'case':40} {'hone tok/s':>10} {'torch tok/s':>11} {'speed-up':>8} {'CPU-time':>8} "
          f"{'hone MiB':>8} {'hone RSS+':>9} {'torch RSS+':>10}")
    for (name, level), r in hone.items():
        if level != "none":
            continue
        t = torch.get((name, "none"))
        if not t:
            continue
        print(f"{name:40} {r['tokens_per_s']:10.0f} {t['tokens_per_s']:11.0f} "
              f"{r['tokens_per_s'] / t['tokens_per_s']:7.2f}x {r['tokens_per_cpu_s'] / t['tokens_per_cpu_s']:7.2f}x "
              f"{mib(r['accounted_bytes']):>8} {mib(r['rss_delta_bytes']):>9} {mib(t['rss_delta_bytes']):>10}")
    names = {name for (name, level) in hone if level != "none"}
    if names:
        print(f"\n{'recompute level':48} {'tok/s':>7} {'ms/step':>8} {'activ MiB':>9} {'total MiB':>9} {'RSS+ MiB':>8}")
        for (name, level), r in hone.items():
            if name in names:
                print(f"{name + ' / ' + level:48} {r['tokens_per_s']:7.0f} {r['ms_per_step']:8.0f} "
                      f"{mib(r['arena_bytes']):>9} {mib(r['accounted_bytes']):>9} {mib(r['rss_delta_bytes']):>8}")


if __name__ == "__main__":
    main()
