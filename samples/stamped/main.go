// Command stamped prints the version and commit stamped into it at build time.
package main

import "fmt"

// Set with -ldflags "-X main.version=... -X main.commit=..." (the stamp plugin does it).
var (
	version = "dev"
	commit  = "none"
)

func main() {
	fmt.Printf("stamped version=%s commit=%s\n", version, commit)
}
