// Command rumbo is the Rumbo KPI and OKR tracker.
package main

func main() {}
