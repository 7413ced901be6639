package raftlog

// TODO: not a stage file.
