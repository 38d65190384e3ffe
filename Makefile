# FraudStream: `make demo` runs the pipeline on the embedded dev broker,
# `make test` runs the test suite. Both install what they need first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CONFIG ?= Release
CLI := src/FraudStream.Cli
RESULTS := .deps/test-results

.PHONY: help deps build test demo broker bench bench-hotpath clean

help:
	@echo "make demo   - the whole pipeline on an embedded broker: model, scorer, api, alerts, 30 s of load"
	@echo "make test   - run the test suite (FRAUDSTREAM_KAFKA_BOOTSTRAP=host:port for a real cluster)"
	@echo "make broker - run the development broker until Ctrl+C"
	@echo "make bench  - dev broker throughput benchmark"
	@echo "make bench-hotpath - BenchmarkDotNet: decode (ours vs Confluent's AvroDeserializer), features, XGBoost prediction, scoring (about 6 min)"
	@echo "make bench-scorer - exactly-once scorer vs pass-through: records/s, latency, peak memory (about 4 min; BENCH_ARGS=\"records rounds Section:Key=value ...\"); with FRAUDSTREAM_KAFKA_BOOTSTRAP or Bench:PythonPeer=true also the Python confluent-kafka + XGBoost exactly-once peer"
	@echo "make bench-restore  - restore one partition's card history from its changelog into the memory and the rocksdb store: time, memory, cost a transaction (default 1,000,000 cards; BENCH_ARGS=\"cards transactions-per-card whole|daily|delta\")"
	@echo "make bench-independent - detection quality on a handbook-style simulated dataset: fraudstream train vs hand-made features (about 5 min; BENCH_ARGS=\"customers days seed [csv]\")"
	@echo "make bench-predict - wrk against /predict and /predict/batch, beside a FastAPI + uvicorn + XGBoost peer (1 and 2 workers) and the same server's /health/live as the ceiling (about 6 min; BENCH_ARGS=\"seconds [registry]\")"
	@echo "make deps   - install Debian packages, build librdkafka, restore NuGet (idempotent)"
	@echo "make install - publish fraudstream to \$$PREFIX/lib/fraudstream with a launcher in \$$PREFIX/bin (PREFIX default ~/.local)"

deps:
	@bash deploy/deps.sh

build: deps
	dotnet build FraudStream.sln -c $(CONFIG) --no-restore -nologo -clp:NoSummary -v quiet

test: build
	@rm -rf $(RESULTS)
	@set +e; OMP_WAIT_POLICY=PASSIVE dotnet test FraudStream.sln -c $(CONFIG) --no-build -nologo \
	    --logger "trx" --logger "console;verbosity=normal" --results-directory $(RESULTS); \
	  status=$$?; python3 .ci/summarize-trx.py $(RESULTS) || status=1; exit $$status

PREFIX ?= $(HOME)/.local

.PHONY: install
install: build
	dotnet publish $(CLI) -c $(CONFIG) --no-restore -nologo -v quiet -clp:NoSummary -o $(PREFIX)/lib/fraudstream
	@mkdir -p $(PREFIX)/bin
	@printf '#!/bin/sh\nexec "%s/lib/fraudstream/fraudstream" "$$@"\n' "$(abspath $(PREFIX))" > $(PREFIX)/bin/fraudstream
	@chmod +x $(PREFIX)/bin/fraudstream
	@echo "installed $(PREFIX)/bin/fraudstream; put $(PREFIX)/bin on PATH if it is not (fraudstream --version checks)"

demo: build
	dotnet run --project $(CLI) -c $(CONFIG) --no-build -- demo

broker: build
	dotnet run --project $(CLI) -c $(CONFIG) --no-build -- broker

bench: build
	dotnet run --project bench/FraudStream.Bench -c $(CONFIG) --no-build -- broker 500000 3

bench-hotpath: build
	dotnet run --project bench/FraudStream.Bench -c $(CONFIG) --no-build -- hotpath $(BENCH_ARGS)

.PHONY: bench-scorer
bench-scorer: build
	@# The Python peer's packages, when it runs: on an external cluster, or when asked for on the dev broker.
	@if [[ -n "$$FRAUDSTREAM_KAFKA_BOOTSTRAP" || "$(BENCH_ARGS)" == *[Pp]ython[Pp]eer=true* ]]; then bash bench/peer/deps.sh; fi
	OMP_WAIT_POLICY=PASSIVE dotnet run --project bench/FraudStream.Bench -c $(CONFIG) --no-build -- scorer $(or $(BENCH_ARGS),500000 3)

.PHONY: bench-restore
bench-restore: build
	dotnet run --project bench/FraudStream.Bench -c $(CONFIG) --no-build -- restore $(BENCH_ARGS)

.PHONY: bench-independent
bench-independent: build
	OMP_WAIT_POLICY=PASSIVE dotnet run --project bench/FraudStream.Bench -c $(CONFIG) --no-build -- independent $(BENCH_ARGS)

.PHONY: bench-predict
bench-predict: build
	@bash bench/peer/deps.sh
	OMP_WAIT_POLICY=PASSIVE dotnet run --project bench/FraudStream.Bench -c $(CONFIG) --no-build -- predict $(BENCH_ARGS)

clean:
	dotnet clean FraudStream.sln -nologo -v quiet
	rm -rf .deps
