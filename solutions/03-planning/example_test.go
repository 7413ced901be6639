package raft_test

import (
	"fmt"

	raft "raftgo/solutions/03-planning"
)

func ExampleParseCluster() {
	cluster, err := raft.ParseCluster("3=localhost:7003,1=localhost:7001,2=localhost:7002")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cluster.IDs())
	addr, _ := cluster.Addr(2)
	fmt.Println(addr)
	fmt.Println(cluster)
	// Output:
	// [1 2 3]
	// localhost:7002
	// 1=localhost:7001,2=localhost:7002,3=localhost:7003
}

func ExampleMarshal() {
	m := raft.Message{From: 1, To: 2, Term: 3, Body: raft.RequestVote{LastLogIndex: 300, LastLogTerm: 2}}
	data, err := raft.Marshal(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("% x\n", data)
	back, err := raft.Unmarshal(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(back)
	// Output:
	// 01 01 01 02 03 ac 02 02 00
	// 1->2 t3 RequestVote{last=300@2}
}
