# newsgraph: `make pipeline` builds and runs on articles/, `make test` runs the gates.
INPUT ?= articles
OUTPUT ?= output
GAZETTEERS ?= gazetteers
SHARED ?= ../shared
BIN := target/release/newsgraph

# Floors for `make eval` on the seed articles (F1); raise them as quality improves.
EVAL_ENTITY_F1 ?= 0.95
EVAL_ACTOR_F1 ?= 0.90
EVAL_COUNTRY_F1 ?= 0.95

.PHONY: pipeline build test eval bench clean check

build:
	cargo build --release --locked

pipeline: build
	$(BIN) run --input $(INPUT) --output $(OUTPUT) --gazetteers $(GAZETTEERS)

check: build
	$(BIN) check --gazetteers $(GAZETTEERS)

test:
	cargo fmt --check
	cargo clippy --locked --all-targets -- -D warnings
	cargo test --locked

eval: build
	@out=$$(mktemp -d) && \
	$(BIN) run --input $(SHARED)/seeds --output $$out --gazetteers $(GAZETTEERS) --full --quiet && \
	python3 $(SHARED)/eval/score.py --gold $(SHARED)/eval/seeds.gold --output $$out && \
	python3 $(SHARED)/eval/score.py --gold $(SHARED)/eval/seeds.gold --output $$out --json > $$out/score.json && \
	python3 scripts/eval_floors.py $$out/score.json $(EVAL_ENTITY_F1) $(EVAL_ACTOR_F1) $(EVAL_COUNTRY_F1); \
	rc=$$?; rm -rf $$out; exit $$rc

bench: build
	bash scripts/bench.sh

clean:
	cargo clean
	rm -rf $(OUTPUT)
