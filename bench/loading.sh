#!/usr/bin/env bash
# Times `genpipe validate` on a generated pipeline whose Gaussian-mixture options hold long arrays (the shape of a large
# pipeline: most of its bytes are numbers), as a user runs it: the built executable, a fresh process each time.
#
#   bash bench/loading.sh            # a 50 MB pipeline, 5 runs
#   bash bench/loading.sh 20 3       # a 20 MB pipeline, 3 runs
#
# Prints each run's wall time and the median. Build first: dotnet build -c Release src/GenPipe.Cli
set -euo pipefail

megabytes="${1:-50}"
runs="${2:-5}"
root="$(cd "$(dirname "$0")/.." && pwd)"
genpipe="$root/src/GenPipe.Cli/bin/Release/net10.0/genpipe"
if [[ ! -x "$genpipe" ]]; then
    echo "build the CLI first: dotnet build -c Release src/GenPipe.Cli" >&2
    exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
file="$work/large.json"

# Each component of the mixture costs about 43 bytes (a mean pair, a std and a weight, six decimals each).
components=$(( megabytes * 1000000 / 43 ))
awk -v n="$components" 'BEGIN {
    srand(0);
    printf "{\n  \"format_version\": 1,\n  \"name\": \"large\",\n  \"components\": {\n    \"mixture\": { \"type\": \"denoiser/gaussian-mixture\", \"options\": {\n";
    printf "      \"means\": [";
    for (i = 0; i < n; i++) printf "%s[%.6f, %.6f]", (i ? ", " : ""), rand() * 10 - 5, rand() * 10 - 5;
    printf "],\n      \"stds\": [";
    for (i = 0; i < n; i++) printf "%s%.6f", (i ? ", " : ""), 0.3 + rand() * 0.7;
    printf "],\n      \"weights\": [";
    for (i = 0; i < n; i++) printf "%s%.6f", (i ? ", " : ""), 0.1 + rand() * 0.9;
    printf "] } },\n    \"scheduler\": { \"type\": \"scheduler/ddim\", \"options\": { \"beta_schedule\": \"scaled_linear\", \"beta_start\": 0.00085, \"beta_end\": 0.012 } }\n  },\n";
    printf "  \"steps\": [ { \"id\": \"latents\", \"op\": \"diffuse\", \"with\": { \"denoiser\": \"mixture\", \"scheduler\": \"scheduler\" }, \"in\": { \"steps\": 4, \"count\": 4 } } ]\n}\n";
}' > "$file"

size=$(stat -c %s "$file")
echo "pipeline: $(( size / 1000000 )) MB ($components mixture components, $(( components * 4 )) numbers), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
times=()
for (( run = 1; run <= runs; run++ )); do
    start=$(date +%s.%N)
    "$genpipe" validate "$file" > /dev/null
    end=$(date +%s.%N)
    seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
    times+=("$seconds")
    echo "run $run: $seconds s"
done

median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "validate median: $median s"
