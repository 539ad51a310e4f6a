// Command generate prints proverbs compiled in from quotes.txt by `go generate`: the
// generated file is not checked in, so the build works only when go generate runs first
// (the project-local buildpack in plugins/go-generate makes gobuildpack run it).
package main

import "fmt"

//go:generate go run ./internal/gen -in quotes.txt -out quotes_gen.go

func main() {
	for i, q := range quotes {
		fmt.Printf("%d. %s\n", i+1, q)
	}
}
