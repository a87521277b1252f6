# Appliance Intake — every task a developer or CI runs.
SHELL := /bin/bash
GO    ?= go
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

FUNCTIONS  := intake verify notify health resume
HOST_DIR   := .build/host
LAMBDA_DIR := .build/lambda
PORT       ?= 8080

.PHONY: dev test vet synth deploy build-host build-lambda bench load fuzz clean

## dev: run the whole stack locally on the embedded AWS emulator (kumo)
dev: build-host
	PORT=$(PORT) $(GO) run ./cmd/devstack -bin $(HOST_DIR)

## test: every test, offline. Packages build in parallel (vet and the
## first go test pass compile everything); the end-to-end packages then run
## one at a time, since each runs a whole stack (and one a browser) and the
## gate timings of their workflows are real seconds.
test: vet
	$(GO) test -count=1 -run '^$$' ./... >/dev/null
	$(GO) test -count=1 -p 1 -timeout 30m ./...

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

## build-host: function binaries for this machine (used by make dev)
build-host:
	@for fn in $(FUNCTIONS); do \
	  CGO_ENABLED=0 $(GO) build -tags lambda.norpc -o $(HOST_DIR)/$$fn/bootstrap ./functions/$$fn || exit 1; \
	done

## build-lambda: function binaries for AWS Lambda (provided.al2023, arm64)
build-lambda:
	@for fn in $(FUNCTIONS); do \
	  GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags "-s -w" \
	    -o $(LAMBDA_DIR)/$$fn/bootstrap ./functions/$$fn || exit 1; \
	done
	@ls -l $(LAMBDA_DIR)/*/bootstrap

## synth: write the CloudFormation templates to cdk.out (no AWS access)
synth: build-lambda
	rm -rf cdk.out
	CDK_OUTDIR=cdk.out $(GO) run ./infra
	@ls cdk.out/*.template.json

## deploy: cdk deploy with the AWS CLI credentials in your environment
deploy: build-lambda
	npx --yes aws-cdk@2 deploy --all

## bench: benchmarks and the performance figures of the README, one
## markdown table per section (speed and memory targets live here, not in
## tests). `make bench BENCH_FLAGS=-quick` skips the cold-start and
## 1,000-request sections.
bench:
	$(GO) run ./cmd/bench $(BENCH_FLAGS)

## load: concurrent submissions through the HTTP API, then checks that each
## accepted one is stored once with one execution. Starts its own local
## stack; `make load LOAD_FLAGS="-url http://127.0.0.1:8080"` loads a
## running `make dev` instead (-n, -c, -timeout change the run).
load: build-host
	$(GO) run ./cmd/load -bin $(HOST_DIR) $(LOAD_FLAGS)

## fuzz: every fuzz target in turn for FUZZTIME each (their committed
## seed corpora already run as ordinary tests in `make test`); a crash
## stops with the input saved under the package's testdata/fuzz.
FUZZTIME ?= 30s
FUZZ_TARGETS := pkg/checklist:FuzzParse pkg/checklist:FuzzValidate pkg/checklist:FuzzParseCertificates \
  pkg/approval:FuzzVerifyLink pkg/verify:FuzzStaticCertificate pkg/api:FuzzHandle pkg/web:FuzzServe \
  pkg/notify:FuzzRenderEmailMatchesTheTemplates
fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; echo "== $$fn ($$pkg, $(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 3s ./$$pkg/ || exit 1; \
	done

clean:
	rm -rf .build cdk.out
