# One command to set up and run the main job, one to set up and run the tests.
#   make demo   — create .venv if needed, install tcmkg, run `tcmkg demo` on the bundled data
#   make test   — also install the system packages the tests use, then ruff, mypy and pytest
#   make models — retrain every shipped model from the annotated corpora in $(DATA) (seed 0)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Annotated corpora for `make models` (BC5CDR, BioRED, NCBI Disease, Evidence Inference).
DATA ?= ../shared/data
NLP := ingest/nlp

.PHONY: demo test lint system-deps clean models

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tcmkg demo

system-deps:
	bash .ci/system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(STAMP) system-deps lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Every shipped model, in dependency order: the relation classifier learns from the pipeline's
# own mentions, so it is trained after the entity recogniser. Each writes its TRAINED.md.
# About 25-35 minutes on 2 cores; the evaluation files are left out of every training run.
models: $(STAMP)
	$(BIN)/tcmkg train-ner \
	  $(DATA)/bc5cdr_train_dev/CDR_TrainingSet.PubTator.txt \
	  $(DATA)/training/biored_train_dev/Train.PubTator \
	  $(DATA)/training/ncbi_disease_train_dev/NCBItrainset_corpus.txt \
	  $(DATA)/training/ncbi_disease_train_dev/NCBIdevelopset_corpus.txt \
	  --exclude $(DATA)/bc5cdr_train_dev/CDR_DevelopmentSet.PubTator.txt \
	  --exclude $(DATA)/training/biored_train_dev/Dev.PubTator \
	  --output $(NLP)/ner_model
	$(BIN)/tcmkg train-relations \
	  $(DATA)/training/biored_train_dev/Train.PubTator \
	  $(DATA)/bc5cdr_train_dev/CDR_TrainingSet.PubTator.txt \
	  --exclude $(DATA)/training/biored_train_dev/Dev.PubTator \
	  --exclude $(DATA)/bc5cdr_train_dev/CDR_DevelopmentSet.PubTator.txt \
	  --output $(NLP)/relation_weights
	$(BIN)/tcmkg train-effect \
	  $(DATA)/training/evidence_inference_train/prompts.tsv \
	  --output $(NLP)/effect_model
