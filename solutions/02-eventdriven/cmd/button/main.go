// Command button presses a pedestrian button of the demo: it sends
// "PRESS EW" or "PRESS NS" to the traffic controller over UDP.
//
//	go run ./cmd/button EW
//	go run ./cmd/button -to 127.0.0.1:9000 NS
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"

	traffic "raftgo/solutions/02-eventdriven"
)

func main() {
	to := flag.String("to", "127.0.0.1:9000", "the UDP address of the traffic controller")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: button [-to address] EW|NS")
		flag.PrintDefaults()
	}
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("button: ")

	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	direction, err := traffic.ParseDirection(flag.Arg(0))
	if err != nil {
		log.Fatal(err)
	}
	if err := press(*to, direction); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("pressed the %v button\n", direction)
}

// press sends one press of direction's button to the controller at addr.
func press(addr string, direction traffic.Direction) error {
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(traffic.Press{Direction: direction}.String()))
	return err
}
