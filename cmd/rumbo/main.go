// Command rumbo is the Rumbo KPI and OKR tracker: it imports a sales team's
// CRM and marketing data, computes the KPIs and drives the OKRs from them.
//
// main only calls run, so tests can drive the whole program.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/rumbo-app/rumbo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if err != errSilent {
			fmt.Fprintln(os.Stderr, "rumbo:", rumbo.ErrorMessage(err))
		}
		os.Exit(1)
	}
}

// run executes the command line args with the given environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	app, err := newApp(getenv, stdin, stdout, stderr)
	if err != nil {
		return err
	}
	root := app.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return root.ExecuteContext(ctx)
}
