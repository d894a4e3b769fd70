package main

import (
	"flag"
	"fmt"
)

func main() {
	path := flag.String("path", ".", "tree to scan")
	flag.Parse()
	fmt.Println("scanning", *path)
}
