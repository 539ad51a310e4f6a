// Command withdeps is an HTTP service built on third-party modules: the chi router and
// Google's uuid package, fetched through the Go module proxy.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	r := chi.NewRouter()
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	r.Get("/hello/{name}", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{
			"hello":      chi.URLParam(req, "name"),
			"request_id": uuid.NewString(),
		})
	})
	log.Printf("withdeps: listening on :%s", port)
	log.Fatal(http.ListenAndServe(":"+port, r))
}
