// Command assets lists or prints the static files in $ASSETS_DIR.
//
//	assets [list]     one line per file: its path under $ASSETS_DIR and its size
//	assets cat NAME   the contents of $ASSETS_DIR/NAME
package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

func main() {
	dir := os.Getenv("ASSETS_DIR")
	if dir == "" {
		fail("ASSETS_DIR is not set")
	}
	args := os.Args[1:]
	switch {
	case len(args) == 0 || args[0] == "list":
		list(dir)
	case args[0] == "cat" && len(args) == 2:
		show(filepath.Join(dir, filepath.Clean("/"+args[1])))
	default:
		fail("usage: assets [list] | assets cat NAME")
	}
}

func list(dir string) {
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		fmt.Printf("%s %d\n", filepath.ToSlash(rel), info.Size())
		return nil
	})
	if err != nil {
		fail(err.Error())
	}
}

func show(path string) {
	f, err := os.Open(path)
	if err != nil {
		fail(err.Error())
	}
	defer f.Close()
	if _, err := io.Copy(os.Stdout, f); err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "assets:", msg)
	os.Exit(1)
}
