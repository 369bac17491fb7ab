#!/usr/bin/env bash
# `make demo`: hone's whole path on text that ships with Debian, in about 10-15 minutes on 2 cores.
#
#   scripts/demo.sh [WORK_DIR]        default: build/demo-run
#   HONE=build/hone THREADS=2 DEMO_FRESH=1 scripts/demo.sh
#
# Stages (each prints a heading and its time):
#   0 engine     `hone demo`: a tiny model learns to copy and reverse strings (seconds)
#   1 corpus     Debian reference HTML -> WARC -> `hone curate run`, plus GCIDE dictionary entries and
#                WordNet glosses; split into train / held-out
#   2 tokenizer  SentencePiece with T5 conventions and the UL2 mode tokens; token shards
#   3 pretrain   a tiny Llama-style decoder and a tiny T5 (span corruption); samples with `hone generate`
#   4 ul2r       continue the decoder with UL2R for 5% extra compute, and a causal control with the same
#                compute; held-out perplexity and span infilling (`hone eval --infilling`)
#   5 flan       instruction-tune base and +UL2R with two task clusters held out; evaluate base, +UL2R,
#                the control, +Flan and +UL2R+Flan zero- and 2-shot on the held-out clusters (and one
#                trained task), and perplexity; print the table
#
# Every step leaves a marker in WORK_DIR/done/, so a rerun skips what is finished (delete a marker, or
# set DEMO_FRESH=1 to start over). Recipes: recipes/demo_*.toml and recipes/curate/demo.toml.
set -Eeuo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-${DEMO_DIR:-$repo/build/demo-run}}
hone=${HONE:-$repo/build/hone}
threads=${THREADS:-$(nproc)}
recipes=$repo/recipes

# libgomp's default spin-waiting collapses throughput when another process shares the cores
# (docs/engine.md, "On a busy machine"); it is read before main, so it must be in the environment.
export OMP_WAIT_POLICY=passive

stage_name="setup"
stage_started=$SECONDS
demo_started=$SECONDS
trap 'rc=$?; echo >&2; echo "demo: FAILED in stage \"$stage_name\" (exit $rc, scripts/demo.sh line $LINENO); rerun to resume from there" >&2' ERR

stage() {
  stage_finished
  stage_name=$1
  stage_started=$SECONDS
  echo
  echo "================================================================================"
  echo "== $1"
  echo "================================================================================"
}

stage_finished() {
  if [ "$stage_name" != "setup" ]; then
    echo "-- $stage_name: $((SECONDS - stage_started)) s"
  fi
}

# done NAME: true when step NAME finished in an earlier run (then says so); mark NAME records it.
done_before() {
  if [ -e "done/$1" ]; then
    echo "[$1] done in an earlier run, skipped (rm $work/done/$1 to redo)"
    return 0
  fi
  echo "[$1]"
  return 1
}
mark() { touch "done/$1"; }

# The held-out perplexity of a `hone eval --json` summary, to two decimals.
perplexity_of() {
  printf '%.2f' "$(sed -n 's/.*"perplexity": *\([0-9.eE+-]*\).*/\1/p' "$1" | tail -1)"
}

# First and last training loss and every held-out perplexity of a run's metrics.jsonl.
show_curve() {
  awk -v run="$1" '
    { step = ""; loss = ""; ppl = ""
      if (match($0, /"step":[0-9]+/)) step = substr($0, RSTART + 7, RLENGTH - 7)
      if (match($0, /"loss":[-0-9.eE+]+/)) loss = substr($0, RSTART + 7, RLENGTH - 7)
      if (match($0, /"eval_perplexity":[-0-9.eE+]+/)) ppl = substr($0, RSTART + 18, RLENGTH - 18)
      if (NR == 1) first = sprintf("step %s loss %.3f", step, loss)
      last = sprintf("step %s loss %.3f", step, loss)
      if (ppl != "") curve = curve sprintf(" %s:%.1f", step, ppl) }
    END { printf "%s: training loss %s -> %s\n", run, first, last
          if (curve != "") printf "%s: held-out perplexity by step%s\n", run, curve }' "$1/metrics.jsonl"
}

[ -x "$hone" ] || { echo "demo: $hone not found; build first (make build) or set HONE=path/to/hone" >&2; exit 1; }
if [ -n "${DEMO_FRESH:-}" ]; then rm -rf "$work"; fi
mkdir -p "$work/done" "$work/eval"
cd "$work"
work=$(pwd)
echo "demo: work directory $work, $threads threads, $("$hone" --version)"

# ---------------------------------------------------------------------------------------------------
stage "0/5 engine: hone demo (copy and reverse strings)"
if ! done_before engine; then
  "$hone" demo --threads "$threads" --out engine --registry runs.sqlite
  mark engine
fi

# ---------------------------------------------------------------------------------------------------
stage "1/5 corpus: Debian HTML -> WARC -> curate; GCIDE and WordNet text; train / held-out split"
mkdir -p corpus/train corpus/heldout

if ! done_before warc; then
  "$hone" curate pack-warc --input /usr/share/debian-reference --out corpus/debian.warc.gz
  mark warc
fi

if ! done_before curate; then
  "$hone" curate run "$recipes/curate/demo.toml" --input corpus/debian.warc.gz --output corpus/curated \
    --threads "$threads"
  # One document per manual chapter: every 6th goes to held-out.
  zstdcat corpus/curated/output/*.jsonl.zst |
    awk 'NR % 6 == 0 { print > "corpus/heldout/debian.jsonl"; next } { print > "corpus/train/debian.jsonl" }'
  mark curate
fi

if ! done_before text; then
  # GCIDE (Webster 1913 + WordNet): every 16th entry across the alphabet (about 2.5 MB); of those,
  # every 20th is held out. An entry is a paragraph starting in column 1 and the indented paragraphs
  # after it; the file's header (licence, contacts) comes before the first entry, "A \A\".
  zcat /usr/share/dictd/gcide.dict.dz |
    awk 'BEGIN { RS = ""; ORS = "\n\n" }
         /^A \\A\\ / { started = 1 }
         !started { next }
         /^[^ \t]/ { n++; keep = (n % 16 == 0); if (keep) k++ }
         keep { print > ((k % 20 == 0) ? "corpus/heldout/gcide.txt" : "corpus/train/gcide.txt") }'
  # WordNet glosses as "word (part of speech): gloss", every 10th synset, ten to a paragraph; every
  # 20th paragraph is held out.
  awk '
    FNR == 1 { pos = FILENAME; sub(/.*data\./, "", pos)
               pos = pos == "adj" ? "adjective" : pos == "adv" ? "adverb" : pos }
    /^  / { next }
    { n++ } n % 10 != 0 { next }
    { split($0, parts, " \\| "); word = $5; gsub(/_/, " ", word); sub(/\([a-z]+\)$/, "", word)
      line = word " (" pos "): " parts[2]; sub(/ +$/, "", line); k++
      file = (int((k - 1) / 10) % 20 == 0) ? "corpus/heldout/wordnet.txt" : "corpus/train/wordnet.txt"
      print line > file; if (k % 10 == 0) print "" > file }' /usr/share/wordnet/data.{noun,verb,adj,adv}
  mark text
fi
du -ch corpus/train/* corpus/heldout/* | sed 's/^/  /'

# ---------------------------------------------------------------------------------------------------
stage "2/5 tokenizer and token shards"
if ! done_before tokenizer; then
  # 2000 pieces + 100 T5 sentinels; the UL2 mode tokens become single pieces (mode_tokens = "reserved").
  "$hone" tokenizer train --input corpus/train/* --vocab-size 2100 --t5-conventions \
    --user-symbols '[NLU],[NLG],[S2S]' --threads "$threads" --out tokenizer
  mark tokenizer
fi
if ! done_before shards; then
  "$hone" tokenize --tokenizer tokenizer --input corpus/train/* --out tokens/train --threads "$threads" --overwrite
  "$hone" tokenize --tokenizer tokenizer --input corpus/heldout/* --out tokens/heldout --threads "$threads" --overwrite
  mark shards
fi
echo "  a sentence through the tokenizer:"
echo "The package manager installs software." | "$hone" tokenizer encode --tokenizer tokenizer --pieces | sed 's/^/  /'

# ---------------------------------------------------------------------------------------------------
stage "3/5 pretrain: a tiny decoder-only model and a tiny T5"
if ! done_before pretrain-base; then
  "$hone" pretrain "$recipes/demo_pretrain_llama.toml" --run-dir runs/base --registry runs.sqlite --threads "$threads"
  mark pretrain-base
fi
show_curve runs/base
if ! done_before pretrain-t5; then
  "$hone" pretrain "$recipes/demo_pretrain_t5.toml" --run-dir runs/t5 --registry runs.sqlite --threads "$threads"
  mark pretrain-t5
fi
show_curve runs/t5
echo
echo "Samples from the decoder (temperature 0.8, top-p 0.95):"
"$hone" generate --model runs/base/checkpoint --threads "$threads" --max-new-tokens 48 \
  --temperature 0.8 --top-p 0.95 --seed 7 \
  --prompt "Zebra, n." --prompt "The kernel" --prompt "To install a package,"
echo
echo "The T5 fills a masked span (greedy):"
"$hone" generate --model runs/t5/checkpoint --threads "$threads" --max-new-tokens 16 \
  --prompt "Abacus, n. A <extra_id_0> used for calculating."

# ---------------------------------------------------------------------------------------------------
stage "4/5 UL2R: +5% compute with the mixture of denoisers, against a causal control"
if ! done_before ul2r; then
  "$hone" ul2r --init runs/base/checkpoint "$recipes/demo_ul2r.toml" --run-dir runs/ul2r \
    --registry runs.sqlite --threads "$threads"
  mark ul2r
fi
if ! done_before causal-control; then
  "$hone" pretrain --init runs/base/checkpoint "$recipes/demo_causal_control.toml" --run-dir runs/causal \
    --registry runs.sqlite --threads "$threads"
  mark causal-control
fi
for run in base ul2r causal; do
  if ! done_before "perplexity-$run"; then
    "$hone" eval --model "runs/$run/checkpoint" --perplexity tokens/heldout --perplexity-length 128 \
      --threads "$threads" --json "eval/perplexity-$run.json"
    mark "perplexity-$run"
  fi
done
echo
echo "Held-out perplexity: base $(perplexity_of eval/perplexity-base.json)," \
  "+UL2R $(perplexity_of eval/perplexity-ul2r.json), +causal (control) $(perplexity_of eval/perplexity-causal.json)"
for run in base ul2r causal; do
  if ! done_before "infilling-$run"; then
    "$hone" eval --model "runs/$run/checkpoint" --infilling tokens/heldout --threads "$threads" \
      --json "eval/infilling-$run.json"
    mark "infilling-$run"
  fi
done
echo
echo "Infilling probe ([NLU] + a sentinel in held-out text; the model must write the masked span):"
"$hone" eval --table base=eval/infilling-base.json +UL2R=eval/infilling-ul2r.json \
  "+causal (control)=eval/infilling-causal.json" | tee results-infilling.md

# ---------------------------------------------------------------------------------------------------
stage "5/5 Flan: instruction tuning with held-out clusters (logic, lexical), and the eval table"
if ! done_before flan-base; then
  "$hone" flan --init runs/base/checkpoint "$recipes/demo_flan.toml" --run-dir runs/flan \
    --registry runs.sqlite --threads "$threads"
  mark flan-base
fi
show_curve runs/flan
if ! done_before flan-ul2r; then
  "$hone" flan --init runs/ul2r/checkpoint "$recipes/demo_flan.toml" --run-dir runs/ul2r_flan \
    --registry runs.sqlite --threads "$threads"
  mark flan-ul2r
fi
show_curve runs/ul2r_flan
# The held-out clusters (logic, lexical), and navigate, a task Flan trains on, to tell "Flan did not
# learn" from "it learned but did not transfer"; the test split, 50 examples per task, the first
# template; perplexity in windows of the pretraining length.
for run in base ul2r causal flan ul2r_flan; do
  if ! done_before "eval-$run"; then
    "$hone" eval --model "runs/$run/checkpoint" --tasks cluster:logic,cluster:lexical,navigate --shots 0,2 \
      --max-examples 50 --perplexity tokens/heldout --perplexity-length 128 --threads "$threads" \
      --json "eval/$run.json"
    mark "eval-$run"
  fi
done
echo
"$hone" eval --table base=eval/base.json +UL2R=eval/ul2r.json "+causal (control)=eval/causal.json" \
  +Flan=eval/flan.json +UL2R+Flan=eval/ul2r_flan.json | tee results.md

stage_finished
echo
echo "demo: finished in $((SECONDS - demo_started)) s; results in $work/results.md, runs in $work/runs"
