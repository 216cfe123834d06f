// Command vcsim serves govmomi's vCenter simulator over TLS on loopback for Flotilla's tests.
// Built against Debian's golang-github-vmware-govmomi-dev (0.24) with GO111MODULE=off; see build.sh.
package main

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
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
	flag.IntVar(&model.Folder, "folder", model.Folder, "datacenters placed in a folder (hosts, VMs and networks in a sub-folder)")
	username := flag.String("username", "", "accepted user name (empty: any non-empty user and password)")
	password := flag.String("password", "", "accepted password")
	idle := flag.Duration("session-idle-timeout", 0, "expire sessions idle for this long (0: never)")
	tools := flag.Bool("tools-running", true, "report VMware Tools running in powered-on VMs")
	timeZone := flag.String("host-timezone", "", "time zone name every ESXi host reports (config.dateTimeInfo)")
	guestIPs := flag.Bool("guest-ips", false, "give powered-on VMs a manual IPv4 address, a default route and DNS in guest.net / guest.ipStack")
	nestedHV := flag.Bool("nested-hv", false, "enable nested hardware virtualization on every VM")
	vtpm := flag.Bool("vtpm", false, "add a virtual TPM device to every VM")
	flag.Parse()

	simulator.SessionIdleTimeout = *idle
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	defer model.Remove()
	if *timeZone != "" {
		for _, e := range simulator.Map.All("HostSystem") {
			host := e.(*simulator.HostSystem)
			host.Config.DateTimeInfo = &types.HostDateTimeInfo{
				TimeZone: types.HostDateTimeSystemTimeZone{Key: *timeZone, Name: *timeZone, Description: *timeZone},
			}
		}
	}
	// vcsim 0.24 creates every VM with guestToolsNotRunning; real guests usually run Tools.
	for index, e := range simulator.Map.All("VirtualMachine") {
		vm := e.(*simulator.VirtualMachine)
		if *tools && vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
			vm.Guest.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
			vm.Guest.ToolsStatus = types.VirtualMachineToolsStatusToolsOk
		}
		// vcsim leaves backing.uuid empty; every VMDK on a real datastore has one (RVTools' Disk UUID).
		for _, device := range vm.Config.Hardware.Device {
			if disk, ok := device.(*types.VirtualDisk); ok {
				if backing, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok && backing.Uuid == "" {
					backing.Uuid = fmt.Sprintf("6000C29%d-%04x-%04x-%04x-%012x", index%10, index, disk.Key, index, index*1000+int(disk.Key))
				}
			}
		}
		if *nestedHV {
			vm.Config.NestedHVEnabled = types.NewBool(true)
		}
		if *vtpm {
			vm.Config.Hardware.Device = append(vm.Config.Hardware.Device, &types.VirtualTPM{
				VirtualDevice: types.VirtualDevice{Key: 11000, DeviceInfo: &types.Description{Label: "Virtual TPM", Summary: "Virtual TPM"}},
			})
		}
		if *guestIPs && vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
			setGuestIPv4(vm, index)
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

// setGuestIPv4 reports what VMware Tools shows for a guest configured by hand: 10.0.<n>.10/24 on
// its first NIC, a default route through 10.0.<n>.1 and one DNS server.
func setGuestIPv4(vm *simulator.VirtualMachine, index int) {
	mac := ""
	for _, device := range vm.Config.Hardware.Device {
		if card, ok := device.(types.BaseVirtualEthernetCard); ok {
			mac = card.GetVirtualEthernetCard().MacAddress
			break
		}
	}
	if mac == "" {
		return
	}
	subnet := fmt.Sprintf("10.0.%d", index%250)
	vm.Guest.Net = []types.GuestNicInfo{{
		MacAddress:     mac,
		Connected:      true,
		DeviceConfigId: 4000,
		IpAddress:      []string{subnet + ".10"},
		IpConfig: &types.NetIpConfigInfo{IpAddress: []types.NetIpConfigInfoIpAddress{
			{IpAddress: subnet + ".10", PrefixLength: 24, Origin: "manual", State: "preferred"},
		}},
	}}
	vm.Guest.IpStack = []types.GuestStackInfo{{
		DnsConfig: &types.NetDnsConfigInfo{IpAddress: []string{"10.0.0.53"}},
		IpRouteConfig: &types.NetIpRouteConfigInfo{IpRoute: []types.NetIpRouteConfigInfoIpRoute{
			{Network: "0.0.0.0", PrefixLength: 0, Gateway: types.NetIpRouteConfigInfoGateway{IpAddress: subnet + ".1", Device: "0"}},
			{Network: subnet + ".0", PrefixLength: 24, Gateway: types.NetIpRouteConfigInfoGateway{Device: "0"}},
		}},
	}}
}
