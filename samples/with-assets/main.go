// Command with-assets serves the static files a buildpack shipped in the image, from $ASSETS_DIR.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	dir := os.Getenv("ASSETS_DIR")
	if dir == "" {
		log.Fatal("with-assets: ASSETS_DIR is not set (build with the static-assets buildpack)")
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("/", http.FileServer(http.Dir(dir)))
	log.Printf("with-assets: serving %s on :%s", dir, port)
	log.Fatal(http.ListenAndServe(":"+port, mux))
}
