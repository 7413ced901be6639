package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGivenFlags checks that every bad flag gets an error that names the
// flag and says what is wrong, with exit status 2, before anything starts.
func TestGivenFlags(t *testing.T) {
	good := []string{"--id", "1", "--cluster", "1=127.0.0.1:7001,2=127.0.0.1:7002", "--http", "127.0.0.1:8001", "--resp", "127.0.0.1:6381", "--data", t.TempDir()}
	with := func(flag, value string) []string {
		args := append([]string(nil), good...)
		for i := 0; i < len(args); i += 2 {
			if args[i] == flag {
				args[i+1] = value
				return args
			}
		}
		return append(args, flag, value)
	}
	without := func(flag string) []string {
		var args []string
		for i := 0; i < len(good); i += 2 {
			if good[i] != flag {
				args = append(args, good[i], good[i+1])
			}
		}
		return args
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no id", without("--id"), "--id is required"},
		{"no cluster", without("--cluster"), "--cluster is required"},
		{"no http", without("--http"), "--http is required"},
		{"no resp", without("--resp"), "--resp is required"},
		{"no data", without("--data"), "--data is required"},
		{"id zero", with("--id", "0"), `--id "0": an ID is a positive integer`},
		{"id not a number", with("--id", "one"), `--id "one"`},
		{"id not in cluster", with("--id", "3"), "--id 3 is not in --cluster"},
		{"bad cluster", with("--cluster", "1=127.0.0.1:7001,1=127.0.0.1:7002"), "--cluster:"},
		{"bad tick", with("--tick", "0s"), "--tick 0s"},
		{"bad log level", with("--log", "loud"), `--log "loud"`},
		{"unknown flag", with("--color", "red"), "flag provided but not defined: -color"},
		{"an argument", append(good, "extra"), `unexpected argument "extra"`},
		{"join and cluster", with("--join", "127.0.0.1:8001"), "--join and --cluster: give one"},
		{"join without raft", append(without("--cluster"), "--join", "127.0.0.1:8001"), "--join needs --raft"},
		{"raft without join", with("--raft", "127.0.0.1:7004"), "--raft goes with --join"},
		{"bad join", append(without("--cluster"), "--join", "8001", "--raft", "127.0.0.1:7004"), `--join "8001"`},
		{"bad snapshot-every", with("--snapshot-every", "-1"), "--snapshot-every -1"},
	} {
		var stdout, stderr strings.Builder
		code := Main(context.Background(), tc.args, &stdout, &stderr, Options{})
		require.Equal(t, 2, code, "%s: exit status for bad flags", tc.name)
		require.Contains(t, stderr.String(), tc.want, "%s: the error names the flag and what is wrong", tc.name)
	}

	var stdout, stderr strings.Builder
	code := Main(context.Background(), with("--http", "0.0.0.0:8001"), &stdout, &stderr, Options{})
	require.Equal(t, 1, code, "an address clients cannot reach")
	require.Contains(t, stderr.String(), "names no host", "the node advertises --http to its peers, so it must name a host")
	require.Equal(t, 0, Main(context.Background(), []string{"-h"}, &stdout, &stderr, Options{}), "-h prints the usage")
	require.Contains(t, stderr.String(), "raftkv demo", "the usage shows both forms of the command")
}
