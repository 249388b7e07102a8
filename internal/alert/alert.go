// Package alert holds the domain types of alerts (注意喚起, issue #7):
// what government analysts publish to the organisations at risk, and each
// recipient's acknowledgement.
package alert
