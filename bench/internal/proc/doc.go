// Package proc starts and stops the benchmark's child processes and reads
// what the kernel knows about them: CPU time, resident memory, the process
// tree, and the machine itself (CPU model, cores, memory, load average).
//
// It owns the children it starts: each runs in its own process group, is
// remembered until it is stopped, and StopAll ends every one still running
// (the harness calls it on exit and on SIGINT/SIGTERM), so a benchmark never
// leaves a process behind. It never signals a process it did not start.
// It reads /proc only (Linux).
package proc
