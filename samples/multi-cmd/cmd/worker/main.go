// Command worker processes the jobs named on its command line.
package main

import (
	"fmt"
	"os"

	"example.com/multi-cmd/internal/greeting"
)

func main() {
	fmt.Println(greeting.For("worker"))
	for _, job := range os.Args[1:] {
		fmt.Printf("worker: done %s\n", job)
	}
}
