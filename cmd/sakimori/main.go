// Command sakimori is the single binary of the sakimori platform: the
// server, the demo, migrations, administration, audit verification and
// benchmarks. Run `sakimori --help` for the commands.
package main

import (
	"os"

	"sakimori/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
