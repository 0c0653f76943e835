# Shared install steps for scripts/test and scripts/demo; source it, do not run it.
#
# Every step checks before it acts, so a second run on a prepared machine only
# verifies and returns within seconds.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MLFLOW_VERSION="3.17.2"
# xgboost-cpu (imported as xgboost) avoids the CUDA build; torch stays pinned to one CPU build.
MLFLOW_VENV_PACKAGES=("mlflow[auth]==${MLFLOW_VERSION}" "scikit-learn" "pandas" "boto3"
    "xgboost-cpu>=2.0" "lightgbm>=4.0" "torch==2.13.0" "pytorch-lightning==2.6.6"
    "lightning==2.6.6" "slowapi>=0.1.9" "watchfiles" "psutil" "psycopg2-binary==2.9.13"
    "catboost==1.2.10" "statsmodels==0.15.0" "onnx==1.23.2" "onnxruntime==1.32.0"
    "opentelemetry-exporter-otlp-proto-http==1.45.2" "openai==3.60.0")
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

python311() {
    if [[ -n "${PYTHON:-}" ]]; then
        echo "$PYTHON"
    elif command -v python3.11 >/dev/null; then
        command -v python3.11
    else
        echo "error: python3.11 not found (set PYTHON=/path/to/python3.11)" >&2
        return 1
    fi
}

as_root() {
    if [[ "$(id -u)" == "0" ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        echo "error: need root to run: $*" >&2
        return 1
    fi
}

have_postgres() {
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null
}

have_venv_module() {
    local py
    py="$(python311)" || return 1
    "$py" -c "import ensurepip, venv" 2>/dev/null
}

# apt_install PKG... installs the Debian packages not yet present (one apt-get update).
apt_install() {
    (($# > 0)) || return 0
    if ! command -v apt-get >/dev/null; then
        echo "error: missing system packages ($*) and no apt-get to install them" >&2
        return 1
    fi
    log "apt-get install $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# ensure_system_packages [test]: venv support always; PostgreSQL and Chromium for tests.
ensure_system_packages() {
    local missing=()
    have_venv_module || missing+=(python3.11-venv)
    if [[ "${1:-}" == "test" ]]; then
        have_postgres || missing+=(postgresql)
        command -v chromium >/dev/null || missing+=(chromium)
    fi
    apt_install "${missing[@]}"
}

# ensure_venv: .venv with mlharbor installed editable plus its dev extras; reinstalls
# only when pyproject.toml changed since the last install.
ensure_venv() {
    local venv="$REPO_ROOT/.venv" stamp="$REPO_ROOT/.venv/.mlharbor-installed" want
    if ! "$venv/bin/python" -c "import sys" 2>/dev/null; then
        log "creating .venv"
        rm -rf "$venv"
        "$(python311)" -m venv "$venv"
    fi
    want="$(sha256sum "$REPO_ROOT/pyproject.toml" | cut -d' ' -f1)"
    if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]] \
        || ! "$venv/bin/python" -c "import mlharbor" 2>/dev/null; then
        log "installing mlharbor (editable) with dev extras into .venv"
        "$venv/bin/python" -m pip install -q -e "$REPO_ROOT[dev]"
        echo "$want" >"$stamp"
    fi
}

# ensure_demo_venv: .venv with what the demo needs (mlharbor and scikit-learn), pip's progress
# shown; a .venv prepared for the tests already has both.
ensure_demo_venv() {
    local venv="$REPO_ROOT/.venv"
    if ! "$venv/bin/python" -c "import sys" 2>/dev/null; then
        log "creating .venv"
        rm -rf "$venv"
        "$(python311)" -m venv "$venv"
    fi
    if ! "$venv/bin/python" -c "import mlharbor, sklearn" 2>/dev/null; then
        log "installing mlharbor (editable) and scikit-learn into .venv"
        "$venv/bin/python" -m pip install --progress-bar on -e "$REPO_ROOT" scikit-learn
    fi
}

# ensure_mlflow_venv: the reference MLflow interpreter used by the interop tests.
ensure_mlflow_venv() {
    local venv="$REPO_ROOT/.mlflow-venv" stamp="$REPO_ROOT/.mlflow-venv/.mlharbor-installed"
    local want="${MLFLOW_VENV_PACKAGES[*]}"
    if ! "$venv/bin/python" -c "import sys" 2>/dev/null; then
        log "creating .mlflow-venv"
        rm -rf "$venv"
        "$(python311)" -m venv "$venv"
    fi
    if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]] || ! "$venv/bin/python" -c "
from importlib.metadata import version
assert version('mlflow') == '${MLFLOW_VERSION}'
" 2>/dev/null; then
        log "installing ${want} into .mlflow-venv"
        "$venv/bin/python" -m pip install -q "${MLFLOW_VENV_PACKAGES[@]}"
        echo "$want" >"$stamp"
    fi
}
