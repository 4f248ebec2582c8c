# Shortcuts mirroring the proof of concept's. Everything runs through npm and kubectl.
# SOURCE picks the data: demo (default), kube, or a snapshot path, e.g. `make run-crd SOURCE=kube`.
SOURCE ?= demo
CLI = node dist/src/cli/main.js

.PHONY: build run run-crd run-stage run-cm serve install demo uninstall-demo uninstall test test-e2e schema

node_modules: package.json package-lock.json
	npm ci
	@touch node_modules

build: node_modules
	npm run build --silent

run: build ## hybrid approach (the POC's default)
	$(CLI) get hybrid --source $(SOURCE)

run-crd: build
	$(CLI) get crd --source $(SOURCE)

run-stage: build
	$(CLI) get stage --source $(SOURCE)

run-cm: build
	$(CLI) get cm --source $(SOURCE)

serve: build
	node dist/src/main.js --source $(SOURCE)

# Cluster targets use the current kubectl context.
install: ## our CRDs: Pipeline (v1alpha1-3) and PipelineStage
	kubectl apply -k crds
	@# Wait until they are served, so that `make install demo` can create Pipelines right away.
	kubectl wait --for=condition=Established --timeout=60s crd/pipelines.wego.weave.works crd/pipelinestages.wego.weave.works

demo: ## the demo sources, releases and pipeline definitions (needs Flux and `make install`)
	kubectl apply -k demo

uninstall-demo:
	kubectl delete -k demo --ignore-not-found

uninstall:
	kubectl delete -k crds --ignore-not-found

test: node_modules
	npm test

test-e2e: node_modules
	npm run test:e2e

schema: node_modules
	npm run schema --silent
