// Command hello is a standard-library HTTP server: the smallest useful image.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "Hello from gobuildpack! (uid %d)\n", os.Getuid())
	})
	log.Printf("hello: listening on :%s", port)
	log.Fatal(http.ListenAndServe(":"+port, mux))
}
