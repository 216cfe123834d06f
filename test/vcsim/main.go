// Command vcsim serves govmomi's vCenter simulator over TLS on loopback for Flotilla's tests.
// Built against Debian's golang-github-vmware-govmomi-dev (0.24) with GO111MODULE=off; see build.sh.
package main

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"flag"
	"log"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func main() {
	listen := flag.String("l", "127.0.0.1:0", "listen address (port 0 picks a free port)")
	model := simulator.VPX()
	flag.IntVar(&model.Datacenter, "dc", model.Datacenter, "datacenters")
	flag.IntVar(&model.Cluster, "cluster", model.Cluster, "clusters per datacenter")
	flag.IntVar(&model.ClusterHost, "host", model.ClusterHost, "hosts per cluster")
	flag.IntVar(&model.Host, "standalone-host", model.Host, "standalone hosts per datacenter")
	flag.IntVar(&model.Machine, "vm", model.Machine, "VMs per resource pool")
	flag.IntVar(&model.Datastore, "ds", model.Datastore, "datastores")
	username := flag.String("username", "", "accepted user name (empty: any non-empty user and password)")
	password := flag.String("password", "", "accepted password")
	idle := flag.Duration("session-idle-timeout", 0, "expire sessions idle for this long (0: never)")
	tools := flag.Bool("tools-running", true, "report VMware Tools running in powered-on VMs")
	flag.Parse()

	simulator.SessionIdleTimeout = *idle
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	defer model.Remove()
	// vcsim 0.24 creates every VM with guestToolsNotRunning; real guests usually run Tools.
	for _, e := range simulator.Map.All("VirtualMachine") {
		vm := e.(*simulator.VirtualMachine)
		if *tools && vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
			vm.Guest.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
			vm.Guest.ToolsStatus = types.VirtualMachineToolsStatusToolsOk
		}
	}

	model.Service.TLS = new(tls.Config)
	model.Service.Listen = &url.URL{Host: *listen}
	if *username != "" {
		model.Service.Listen.User = url.UserPassword(*username, *password)
	}
	server := model.Service.NewServer()
	defer server.Close()

	ready, _ := json.Marshal(map[string]interface{}{
		"url":        server.URL.Scheme + "://" + server.URL.Host + server.URL.Path,
		"thumbprint": soap.ThumbprintSHA1(server.Certificate()),
		"pid":        os.Getpid(),
	})
	os.Stdout.Write(append(ready, '\n'))

	done := make(chan os.Signal, 1)
	signal.Notify(done, syscall.SIGTERM, syscall.SIGINT)
	// The parent test process holds our stdin: when it goes away, so do we.
	go func() {
		_, _ = bufio.NewReader(os.Stdin).ReadString(0)
		done <- syscall.SIGPIPE
	}()
	<-done
	time.AfterFunc(5*time.Second, func() { os.Exit(0) }) // never hang on a stuck request
}
