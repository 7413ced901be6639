package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseCluster checks that ParseCluster reads the --cluster flag's
// ID=host:port pairs, ignores spaces around a pair, accepts IPv6 addresses in
// brackets and host names, and sorts the peers by ID. Read the handout's
// "1. The cluster flag".
func TestParseCluster(t *testing.T) {
	tests := []struct {
		name string
		flag string
		want Cluster
	}{
		{
			name: "three local servers",
			flag: "1=localhost:7001,2=localhost:7002,3=localhost:7003",
			want: Cluster{{1, "localhost:7001"}, {2, "localhost:7002"}, {3, "localhost:7003"}},
		},
		{
			name: "one server",
			flag: "7=10.0.0.7:9000",
			want: Cluster{{7, "10.0.0.7:9000"}},
		},
		{
			name: "sorted by ID",
			flag: "3=c:7003,1=a:7001,2=b:7002",
			want: Cluster{{1, "a:7001"}, {2, "b:7002"}, {3, "c:7003"}},
		},
		{
			name: "spaces around pairs",
			flag: " 1=a:7001 , 2=b:7002 ",
			want: Cluster{{1, "a:7001"}, {2, "b:7002"}},
		},
		{
			name: "IPv6 and a port of 65535",
			flag: "1=[::1]:65535,2=[fe80::1]:1",
			want: Cluster{{1, "[::1]:65535"}, {2, "[fe80::1]:1"}},
		},
		{
			name: "largest ID",
			flag: "18446744073709551615=a:7001",
			want: Cluster{{18446744073709551615, "a:7001"}},
		},
		{
			name: "same host, different ports",
			flag: "1=h:7001,2=h:7002",
			want: Cluster{{1, "h:7001"}, {2, "h:7002"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCluster(tc.flag)
			require.NoError(t, err, "ParseCluster(%q) (handout: \"1. The cluster flag\")", tc.flag)
			assert.Equal(t, tc.want, got, "ParseCluster(%q): the peers, sorted by ID (handout: \"1. The cluster flag\")", tc.flag)
		})
	}
}

// TestParseClusterRejects checks that ParseCluster rejects every malformed
// flag with an error that quotes the offending pair and says what is wrong:
// an empty list, a pair without "=", an ID that is 0 or not a number, a
// duplicate ID, an address without a host or a valid port, a duplicate
// address. Each case lists words the error must contain. Read the handout's
// "1. The cluster flag".
func TestParseClusterRejects(t *testing.T) {
	tests := []struct {
		name     string
		flag     string
		wantText []string // substrings of the error
	}{
		{"empty", "", []string{"empty"}},
		{"only spaces", "   ", []string{"empty"}},
		{"no equals sign", "1=localhost:7001,2localhost:7002", []string{"2localhost:7002", "ID=host:port"}},
		{"trailing comma", "1=localhost:7001,", []string{`""`, "ID=host:port"}},
		{"ID 0", "0=localhost:7000", []string{"0=localhost:7000", "ID"}},
		{"ID not a number", "one=localhost:7001", []string{"one=localhost:7001", "ID"}},
		{"negative ID", "-1=localhost:7001", []string{"-1=localhost:7001", "ID"}},
		{"ID too large", "18446744073709551616=localhost:7001", []string{"18446744073709551616=localhost:7001", "ID"}},
		{"duplicate ID", "1=localhost:7001,1=localhost:7002", []string{"1=localhost:7002", "duplicate ID"}},
		{"no port", "1=localhost:7001,2=localhost", []string{"2=localhost", "port"}},
		{"port 0", "1=localhost:0", []string{"1=localhost:0", "port"}},
		{"port too large", "1=localhost:65536", []string{"1=localhost:65536", "port"}},
		{"port by name", "1=localhost:http", []string{"1=localhost:http", "port"}},
		{"no host", "1=:7001", []string{"1=:7001", "host"}},
		{"too many colons", "1=::1:7001", []string{"1=::1:7001", "address"}},
		{"duplicate address", "1=localhost:7001,2=localhost:7001", []string{"2=localhost:7001", "duplicate address"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCluster(tc.flag)
			require.Error(t, err, "ParseCluster(%q) returned %v; want an error (handout: \"1. The cluster flag\")", tc.flag, got)
			for _, want := range tc.wantText {
				assert.ErrorContains(t, err, want, "ParseCluster(%q): the error should quote the offending pair and say what is wrong (handout: \"1. The cluster flag\")", tc.flag)
			}
		})
	}
}

// TestClusterMethods checks Peer.String and the Cluster methods: IDs lists
// the IDs in order, Addr finds a peer's address or reports that there is no
// such peer, and String gives the flag form back, so that
// ParseCluster(c.String()) equals c. Read the handout's
// "1. The cluster flag".
func TestClusterMethods(t *testing.T) {
	c := Cluster{{1, "localhost:7001"}, {2, "[::1]:7002"}, {3, "db3.example:7003"}}
	const flag = "1=localhost:7001,2=[::1]:7002,3=db3.example:7003"

	assert.Equal(t, "2=[::1]:7002", c[1].String(), "Peer.String: the ID=host:port form (handout: \"1. The cluster flag\")")
	assert.Equal(t, []NodeID{1, 2, 3}, c.IDs(), "Cluster.IDs: every ID, in the cluster's order (handout: \"1. The cluster flag\")")
	assert.Empty(t, Cluster{}.IDs(), "Cluster.IDs of an empty cluster")

	addr, ok := c.Addr(2)
	assert.True(t, ok, "Cluster.Addr(2): node 2 is in the cluster (handout: \"1. The cluster flag\")")
	assert.Equal(t, "[::1]:7002", addr, "Cluster.Addr(2) (handout: \"1. The cluster flag\")")
	addr, ok = c.Addr(4)
	assert.False(t, ok, "Cluster.Addr(4): node 4 is not in the cluster (handout: \"1. The cluster flag\")")
	assert.Empty(t, addr, "Cluster.Addr(4): no address for a missing node")

	require.Equal(t, flag, c.String(), "Cluster.String: the flag form, pairs joined by commas (handout: \"1. The cluster flag\")")
	back, err := ParseCluster(c.String())
	require.NoError(t, err, "ParseCluster(c.String()) (handout: \"1. The cluster flag\")")
	assert.Equal(t, c, back, "ParseCluster(c.String()) must give c back (handout: \"1. The cluster flag\")")
}

// TestConfigValidate checks Config.Validate: a configuration is valid when
// its ID is one of Peers, Peers holds no None, no duplicate and at most
// MaxVoters servers, ElectionTicks > HeartbeatTicks > 0, and
// MaxEntriesPerMessage is from 1 to MaxMessageEntries. Each invalid case
// lists the field name its error must contain. Read the handout's
// "2. Validating a Config".
func TestConfigValidate(t *testing.T) {
	valid := DefaultConfig(1, []NodeID{1, 2, 3})
	with := func(change func(*Config)) Config {
		c := valid
		c.Peers = append([]NodeID(nil), valid.Peers...)
		change(&c)
		return c
	}
	manyPeers := make([]NodeID, MaxVoters+1)
	for i := range manyPeers {
		manyPeers[i] = NodeID(i + 1)
	}

	t.Run("valid", func(t *testing.T) {
		for _, c := range []Config{
			valid,
			DefaultConfig(1, []NodeID{1}),
			DefaultConfig(5, []NodeID{9, 5, 7}),
			with(func(c *Config) { c.ElectionTicks, c.HeartbeatTicks = 2, 1 }),
			with(func(c *Config) { c.MaxEntriesPerMessage = MaxMessageEntries }),
			with(func(c *Config) { c.Peers = manyPeers[:MaxVoters] }),
		} {
			assert.NoError(t, c.Validate(), "Validate(%+v): this configuration is valid (handout: \"2. Validating a Config\")", c)
		}
	})

	tests := []struct {
		name     string
		config   Config
		wantText string // a substring of the error: the field at fault
	}{
		{"ID None", with(func(c *Config) { c.ID = None }), "ID"},
		{"ID not a peer", with(func(c *Config) { c.ID = 4 }), "ID"},
		{"no peers", with(func(c *Config) { c.Peers = nil }), "Peers"},
		{"None among peers", with(func(c *Config) { c.Peers = []NodeID{1, 0, 2} }), "Peers"},
		{"duplicate peer", with(func(c *Config) { c.Peers = []NodeID{1, 2, 2} }), "Peers"},
		{"too many peers", with(func(c *Config) { c.Peers = manyPeers }), "Peers"},
		{"HeartbeatTicks 0", with(func(c *Config) { c.HeartbeatTicks = 0 }), "HeartbeatTicks"},
		{"HeartbeatTicks negative", with(func(c *Config) { c.HeartbeatTicks = -1 }), "HeartbeatTicks"},
		{"ElectionTicks equal to HeartbeatTicks", with(func(c *Config) { c.ElectionTicks, c.HeartbeatTicks = 3, 3 }), "ElectionTicks"},
		{"ElectionTicks below HeartbeatTicks", with(func(c *Config) { c.ElectionTicks, c.HeartbeatTicks = 2, 5 }), "ElectionTicks"},
		{"MaxEntriesPerMessage 0", with(func(c *Config) { c.MaxEntriesPerMessage = 0 }), "MaxEntriesPerMessage"},
		{"MaxEntriesPerMessage over the codec's limit", with(func(c *Config) { c.MaxEntriesPerMessage = MaxMessageEntries + 1 }), "MaxEntriesPerMessage"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.config.Validate()
			require.Error(t, err, "Validate(%+v): want an error about %s (handout: \"2. Validating a Config\")", tc.config, tc.wantText)
			assert.ErrorContains(t, err, tc.wantText, "Validate: the error should name the field at fault (handout: \"2. Validating a Config\")")
		})
	}
}
