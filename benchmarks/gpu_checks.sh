#!/usr/bin/env bash
# Everything that needs a CUDA GPU, in one run: the `gpu` tests and the GPU figures of
# docs/benchmarks.md (speed on MNIST 60k and digits, a time-limited Parzen run, and,
# when asked for, a time-limited run of the paper's MNIST Table 2 with 100 labels).
#
#   benchmarks/gpu_checks.sh OUT_DIR [MNIST_DIR]
#
# Each step has its own time limit and writes OUT_DIR/<step>.log; the end of each log is
# printed. Steps are ordered by what matters most if the machine's time runs short.
# STEPS="tests speed_mnist60k" runs only the steps named; PARZEN_MINUTES sets the
# Parzen run's training time (default 2.2). The step semi100 (not in the default
# list: STEPS="tests semi100") trains AAEClassifier with the GPU preset for
# SEMI_MINUTES (default 6) and prints the test error and the epochs reached.
set -u
out=${1:?usage: gpu_checks.sh OUT_DIR [MNIST_DIR]}
mnist=${2:-../shared/data/mnist}
steps=${STEPS:-tests speed_mnist60k parzen speed_digits}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
py=${PYTHON:-python3}

step() {
    local name=$1 limit=$2
    shift 2
    case " $steps " in *" $name "*) ;; *) return ;; esac
    echo "=== $name (limit ${limit}s, $(date +%T))"
    timeout "$limit" "$@" >"$out/$name.log" 2>&1
    echo "--- $name: exit $?"
    tail -n "${TAIL:-22}" "$out/$name.log"
}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
"$py" -c "import torch, sklearn, skorch, numpy; print('torch', torch.__version__, \
'sklearn', sklearn.__version__, 'skorch', skorch.__version__, 'numpy', numpy.__version__)"

step tests 180 "$py" -m pytest -m gpu tests/test_gpu.py -q -p no:cacheprovider -rfE
step speed_mnist60k 170 "$py" benchmarks/bench_speed.py --data mnist --n 60000 \
    --mnist "$mnist" --device cuda --epochs 2 --rounds 2 --cuda-graphs
TAIL=12 step parzen 400 "$py" benchmarks/bench_parzen.py --preset gpu --mnist "$mnist" \
    --max-minutes "${PARZEN_MINUTES:-2.2}"
step speed_digits 60 "$py" benchmarks/bench_speed.py --data digits --device cuda \
    --epochs 3 --rounds 3 --cuda-graphs
TAIL=8 step semi100 $((${SEMI_MINUTES:-6} * 60 + 240)) "$py" benchmarks/bench_mnist_semi.py \
    --preset gpu --experiments semi100 --mnist "$mnist" --max-minutes "${SEMI_MINUTES:-6}"
