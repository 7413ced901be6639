package main

func main() {
	// TODO: Start the tool.
}
