module spiceweb

go 1.26

require (
	github.com/coder/websocket v1.8.15 // websocket proxy in serve/
	github.com/evanw/esbuild v0.28.2 // bundles webui/ (build tool, webui tests)
)

require golang.org/x/sys v0.0.0-20220715151400-c0bba94af5f8 // indirect
