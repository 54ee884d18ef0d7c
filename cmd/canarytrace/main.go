// Command canarytrace holds canarytrace's offline tools. Each subcommand
// lives in its own file and registers itself in an init function:
//
//	func init() { register(command{name: "query", summary: "…", run: runQuery}) }
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
)

// command is one subcommand. run gets the arguments after the subcommand's
// name; it returns errUsage (wrapped or not) for bad arguments.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

// register adds a subcommand; names must be unique.
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("canarytrace: subcommand registered twice: " + c.name)
	}
	commands[c.name] = c
}

// errUsage marks an error in how the command was called (exit status 2).
var errUsage = errors.New("usage")

// exitStatus is returned by a subcommand whose exit statuses are a contract
// of their own (query's 0/1/2/3): the dispatcher exits with it as is, after
// the subcommand has printed what it had to say.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand and returns the exit status: 0 success,
// 1 failure, 2 bad usage, or the subcommand's own exitStatus.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "canarytrace: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	err := c.run(ctx, args[1:], stdout, stderr)
	var status exitStatus
	switch {
	case errors.As(err, &status):
		return int(status)
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "canarytrace %s: %v\n", c.name, err)
		return 2
	default:
		fmt.Fprintf(stderr, "canarytrace %s: %v\n", c.name, err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: canarytrace <command> [arguments]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'canarytrace <command> -h' for a command's flags.")
}
