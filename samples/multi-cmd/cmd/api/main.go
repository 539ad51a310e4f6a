// Command api prints who it is, or serves it over HTTP with -serve.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"

	"example.com/multi-cmd/internal/greeting"
)

func main() {
	serve := flag.String("serve", "", "listen on this address (e.g. :8080) instead of printing")
	flag.Parse()
	if *serve == "" {
		fmt.Println(greeting.For("api"))
		return
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, greeting.For("api"))
	})
	log.Fatal(http.ListenAndServe(*serve, nil))
}
