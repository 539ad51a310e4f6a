// Package greeting is shared by both commands of this module.
package greeting

import "fmt"

// For returns the line a command prints about itself.
func For(command string) string {
	return fmt.Sprintf("%s: built by gobuildpack from example.com/multi-cmd", command)
}
