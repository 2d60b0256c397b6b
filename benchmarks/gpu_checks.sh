#!/usr/bin/env bash
# Everything that needs a CUDA GPU, in one run: the `gpu` tests, then the paper's headline
# experiments with the GPU presets of bench_parzen.py and bench_mnist_semi.py (batch 500,
# learning rates scaled by the square-root rule with a warm-up and a cosine decay, TF32,
# cuda_graphs=True), each under its own time limit.
#
#   benchmarks/gpu_checks.sh OUT_DIR [MNIST_DIR]
#
# OUT_DIR receives a log per step (<step>.log), results.jsonl (one JSON row per
# experiment: the figure, the paper's, epochs, device, minutes, seed, settings and the
# curve of checkpoints), environment.txt and summary.txt, which is also printed at the
# end: each figure next to the paper's. MNIST_DIR: the MNIST folder (the four idx .gz
# files); default $SKLEARN_AAE_MNIST, else .data/mnist when present.
#
# Steps, run in the order STEPS names them (default STEPS="tests parzen"):
#   tests               the gpu tests (tests/test_gpu.py, -m gpu) and the presets' checks
#                       (tests/test_gpu_presets.py, on the CPU), about 2 minutes
#   smoke               the three GPU presets at toy size on the GPU (2x32 networks, 3
#                       epochs; results in smoke.jsonl): a 1-minute check after a fix
#   parzen              Table 1, Parzen log-likelihood of AAETransformer samples (340 ± 2)
#   semi100, semi1000   Table 2, AAEClassifier with 100 / 1000 labels (1.90 %, 1.60 %)
#   cluster16           Table 3, AAEClusterer with 16 clusters, 2x3000 networks (9.55 %)
#   semi100_improved, semi1000_improved, cluster16_improved
#                       the same with the neighbour-graph term (neighbor_weight=1.0)
#   parzen_dropout      Table 1 with dropout 0.2 after every hidden layer of the
#                       encoder and decoder
#   speed_mnist60k, speed_digits
#                       bench_speed.py with cuda_graphs=True (batch 100), as in past runs
# An unknown step name stops the script before anything runs.
#
# PARZEN_ARGS, MNIST_ARGS: further options for bench_parzen.py and bench_mnist_semi.py,
# e.g. PARZEN_ARGS="--batch-size 1000" or MNIST_ARGS='--preset-override
# {"semi":{"batch_size":1000}}' (the learning rates follow the batch size).
# MINUTES (default 5): training time of every experiment step; the step's time limit is
# that plus 90 s (start-up, data, the last warm-started call, final scores). Each
# experiment prints its test figure every few epochs, so a log cut short still shows
# how far it got. SEED (default 0) seeds the experiments. PYTHON (default python3).
# PARALLEL=1 runs the experiment steps side by side on the one GPU (the tests first,
# alone); each still ends its schedule by its own time limit, with fewer epochs when
# they slow each other down. Untried: use it only after a run alone has shown its speed.
#
# Budget: a 15-minute slot leaves about 11 minutes after the machine starts, and one
# command may run 10 minutes. Tests (~2 min) plus one 5-minute experiment (~6.5 min)
# fit in one command:
#   slot 1:  STEPS="tests parzen" benchmarks/gpu_checks.sh "$OUT" .data/mnist
#            (run's timeout_s 600; about 8.5 minutes)
#   slot 2:  STEPS="semi100" MINUTES=8 benchmarks/gpu_checks.sh "$OUT" .data/mnist
#            (timeout_s 600; about 9.5 minutes; the tests need not run again)
#   later:   STEPS="cluster16" MINUTES=8 ..., STEPS="semi1000" MINUTES=8 ..., then the
#            _improved variants and parzen_dropout
#
# DRY_RUN=1 checks the script on a machine without a GPU: the tests step runs as is
# (its tests skip without CUDA), every experiment step runs its command line with tiny
# settings on the CPU (--toy --device cpu: a few thousand rows, 2x32 networks, 3
# epochs), the speed steps check their options only (--help), and the summary is made
# from the toy results.
set -u

known="tests smoke parzen parzen_dropout semi100 semi1000 cluster16 semi100_improved"
known="$known semi1000_improved cluster16_improved speed_mnist60k speed_digits"
steps=${STEPS:-tests parzen}
for name in $steps; do
    case " $known " in
    *" $name "*) ;;
    *)
        echo "gpu_checks.sh: unknown step '$name'; known steps: $known" >&2
        exit 2
        ;;
    esac
done

out=${1:?usage: gpu_checks.sh OUT_DIR [MNIST_DIR]}
mnist=${2:-${SKLEARN_AAE_MNIST:-}}
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "$mnist" ] && [ -d "$root/.data/mnist" ]; then
    mnist=$root/.data/mnist
fi
if [ -n "$mnist" ] && [ -d "$mnist" ]; then
    mnist=$(cd "$mnist" && pwd)
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$root" || exit 1
export PYTHONUNBUFFERED=1
py=${PYTHON:-python3}
minutes=${MINUTES:-5}
seed=${SEED:-0}
dry=${DRY_RUN:-0}
parallel=${PARALLEL:-0}
results=$out/results.jsonl

mnist_args=()
[ -n "$mnist" ] && mnist_args=(--mnist "$mnist")
toy_args=()
if [ "$dry" = 1 ]; then
    toy_args=(--toy --device cpu)
    minutes=${MINUTES:-0.5}
fi
limit=$("$py" -c "print(int(float('$minutes') * 60 + 90))") || exit 1

{
    echo "date: $(date -u +%FT%TZ)  steps: $steps  minutes: $minutes  seed: $seed"
    echo "dry run: $dry  parallel: $parallel  mnist: ${mnist:-(default)}"
    echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if [ "$dry" = 1 ]; then
        echo "gpu: none (dry run)"
    else
        nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
    fi
    "$py" -c "import torch, sklearn, skorch, numpy, sklearn_aae; print('torch', \
torch.__version__, 'cuda', torch.version.cuda, 'sklearn', sklearn.__version__, 'skorch', \
skorch.__version__, 'numpy', numpy.__version__, 'sklearn_aae', sklearn_aae.__version__)"
} 2>&1 | tee "$out/environment.txt"

# step NAME LIMIT_S COMMAND...: run COMMAND under LIMIT_S seconds into OUT/NAME.log.
step() {
    local name=$1 limit_s=$2
    shift 2
    echo "=== $name (limit ${limit_s}s, $(date +%T)): $*"
    local start=$SECONDS
    timeout -k 15 "$limit_s" "$@" >"$out/$name.log" 2>&1
    local rc=$?
    local note=""
    [ $rc = 124 ] && note=" (time limit: the log shows how far it got)"
    echo "--- $name: exit $rc after $((SECONDS - start)) s$note"
    tail -n "${TAIL:-12}" "$out/$name.log" | cut -c 1-300
}

experiment() {
    local name=$1
    shift
    if [ "$parallel" = 1 ]; then
        step "$name" "$limit" "$@" ${toy_args[@]+"${toy_args[@]}"} &
    else
        step "$name" "$limit" "$@" ${toy_args[@]+"${toy_args[@]}"}
    fi
}

# Empty arrays are expanded as ${a[@]+"${a[@]}"}: older bash calls them unbound (set -u).
read -r -a parzen_extra <<<"${PARZEN_ARGS:-}"
mnist_extra=()
[ -n "${MNIST_ARGS:-}" ] && eval "mnist_extra=(${MNIST_ARGS})"
parzen=("$py" benchmarks/bench_parzen.py --preset gpu --seed "$seed" --max-minutes "$minutes"
    --json "$results" ${mnist_args[@]+"${mnist_args[@]}"}
    ${parzen_extra[@]+"${parzen_extra[@]}"})
mnist_semi=("$py" benchmarks/bench_mnist_semi.py --preset gpu --seeds "$seed"
    --max-minutes "$minutes" --json "$results" ${mnist_args[@]+"${mnist_args[@]}"}
    ${mnist_extra[@]+"${mnist_extra[@]}"})

for name in $steps; do
    case $name in
    tests)
        wait
        # The presets' own checks too (CPU, seconds): on this machine's library versions.
        TAIL=4 step tests 180 "$py" -m pytest -m "gpu or not slow" tests/test_gpu.py \
            tests/test_gpu_presets.py -q -p no:cacheprovider -rfE
        ;;
    smoke)
        wait
        device=cuda
        [ "$dry" = 1 ] && device=cpu
        step smoke 180 bash -c "$(printf '%q ' "$py" benchmarks/bench_parzen.py \
            --preset gpu --toy --device "$device" --json "$out/smoke.jsonl") && \
            $(printf '%q ' "$py" benchmarks/bench_mnist_semi.py --preset gpu --toy \
            --device "$device" --json "$out/smoke.jsonl") && \
            $(printf '%q ' "$py" benchmarks/_common.py summary "$out/smoke.jsonl")"
        ;;
    parzen) experiment parzen "${parzen[@]}" ;;
    parzen_dropout) experiment parzen_dropout "${parzen[@]}" --dropout 0.2 ;;
    semi100 | semi1000 | cluster16)
        experiment "$name" "${mnist_semi[@]}" --experiments "$name" --variants paper
        ;;
    *_improved)
        experiment "$name" "${mnist_semi[@]}" --experiments "${name%_improved}" \
            --variants improved
        ;;
    speed_mnist60k | speed_digits)
        data=${name#speed_}
        speed=("$py" benchmarks/bench_speed.py --data "${data%60k}" --device cuda
            --cuda-graphs ${mnist_args[@]+"${mnist_args[@]}"})
        [ "$data" = mnist60k ] && speed+=(--n 60000 --epochs 2 --rounds 2)
        [ "$data" = digits ] && speed+=(--epochs 3 --rounds 3)
        if [ "$dry" = 1 ]; then
            step "$name" 60 "${speed[@]}" --help
        else
            step "$name" 240 "${speed[@]}"
        fi
        ;;
    esac
done
wait

echo "=== summary ($out/summary.txt)"
{
    if [ -f "$out/tests.log" ]; then
        echo "tests: $(grep -E '(passed|failed|error|skipped)' "$out/tests.log" | tail -n 1)"
    fi
    "$py" benchmarks/_common.py summary "$results"
} 2>&1 | tee "$out/summary.txt"
