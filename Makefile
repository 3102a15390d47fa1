# Renda: two commands. `make run` starts the app with demo data; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PG_URL ?= postgres://postgres@127.0.0.1:5432/renda
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: run test install install-dev assets messages lint typecheck test-sqlite test-postgres test-browser system-deps bench clean

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（未找到 $(PYTHON)）/ Python 3.11 is required"; exit 1; }
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP) install -q -r requirements-dev.txt
	@touch $@

node_modules/htmx.org/dist/htmx.min.js: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "需要 npm 安装前端资源 / npm is required to install front-end assets"; exit 1; }
	npm ci --no-audit --no-fund --silent
	@touch $@

install: $(VENV)/.installed assets messages
install-dev: $(VENV)/.installed-dev assets messages
assets: node_modules/htmx.org/dist/htmx.min.js

# Compile the English catalogue (msgfmt comes from Debian's gettext).
messages: $(VENV)/.installed
	@command -v msgfmt >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq gettext >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext >/dev/null); else echo "请安装 gettext (sudo apt-get install gettext) / please install gettext"; exit 1; fi; }
	$(PY) manage.py compilemessages -v0 --ignore=.venv --ignore=node_modules

run: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py demo_city --if-empty
	@echo ""
	@echo "Renda 已启动 / Renda is running: http://127.0.0.1:8000  （Ctrl+C 停止）"
	RENDA_IN_PROCESS_SCHEDULER=1 RENDA_JOB_INTERVAL_SECONDS=$${RENDA_JOB_INTERVAL_SECONDS:-60} $(PY) manage.py runserver 127.0.0.1:8000

# Debian's chromium and a CJK font for the browser tests.
system-deps:
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi -e "wenquanyi" -e "noto sans cjk" || missing="$$missing fonts-wqy-microhei"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "安装 / installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "缺少系统软件包 / missing Debian packages:$$missing — 请运行 / run: sudo apt-get install$$missing"; exit 1; fi; fi

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(VENV)/bin/mypy renda

test-sqlite: install-dev
	$(PY) manage.py makemigrations --check --dry-run -v0
	$(VENV)/bin/pytest -q -n 2 renda

test-postgres: install-dev
	DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q -n 2 renda

test-browser: install-dev system-deps
	$(VENV)/bin/pytest -q e2e

test: install-dev system-deps lint typecheck test-sqlite test-postgres test-browser
	@echo "全部检查通过 / all checks passed"

bench: install-dev
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) node_modules staticfiles
