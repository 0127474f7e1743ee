# One command loop: `make run`, `make test`, `make check`, `make bench`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DB     ?= data/zi.duckdb
PORT   ?= 8501

.PHONY: setup run test check bench demo clean browser fonts office

setup: $(STAMP) fonts

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Headless Chromium for the end-to-end test: the system's package (Playwright's own download
# cannot reach its servers here). Installed only when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { echo "Installing Chromium (Debian package)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	    echo "Chromium could not be installed: the browser test will be skipped"; }

# DejaVu Sans for the PDF reports (wide Unicode coverage for names and notes); the reports fall back to
# the Vera fonts that ship inside ReportLab when it is missing. Installed only when missing.
fonts:
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || \
	  { echo "Installing DejaVu fonts (Debian package fonts-dejavu-core)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null) || \
	    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null) || \
	    echo "DejaVu could not be installed: the PDF reports use ReportLab's own Vera fonts"; }

# LibreOffice Writer (headless) renders the Word reports to images in the report tests, as a person
# opening the DOCX would see it. Installed only when missing; without it that one test is skipped.
office:
	@command -v soffice >/dev/null 2>&1 || \
	  { echo "Installing LibreOffice Writer (Debian package libreoffice-writer-nogui)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null) || \
	    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null) || \
	    echo "LibreOffice could not be installed: the Word page rendering test will be skipped"; }

# serve.py is `streamlit run dashboard.py` with the app's libraries loaded before the server answers.
run: setup
	$(BIN)/zi demo --if-empty --db $(DB)
	@echo "Dasbor: http://localhost:$(PORT) (siap dalam beberapa detik; hentikan dengan Ctrl+C)"
	$(BIN)/python serve.py --server.port $(PORT) --server.headless true -- --db $(DB)

test: setup browser office
	$(BIN)/pytest

check: setup
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: setup
	$(BIN)/python -m benchmarks.bench --pages --reports --api

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
