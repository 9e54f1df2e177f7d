// Package quickstart runs the README's five-minute quick start as a new
// user would: in a copy of the checkout, with the README's own commands
// read from README.md (the sink, the configuration file, make run, swaks,
// the records file, the CLI and the policy steps), so that the README
// cannot drift from what works.
package quickstart
