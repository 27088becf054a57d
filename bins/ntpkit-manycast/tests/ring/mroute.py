# A static IPv4 multicast router for the ring test: forwards (SOURCE, GROUP) from UPSTREAM
# to DOWNSTREAM (TTL decremented by the kernel; only packets with TTL > 1 go on) through
# the kernel's multicast routing table (linux/mroute.h: MRT_INIT, MRT_ADD_VIF, MRT_ADD_MFC).
# The table lives as long as this process holds its socket.
import socket, struct, sys, time

MRT_INIT, MRT_ADD_VIF, MRT_ADD_MFC = 200, 202, 204
VIFF_USE_IFINDEX = 0x8
up, down, source, group = sys.argv[1:5]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
s.setsockopt(socket.IPPROTO_IP, MRT_INIT, struct.pack("i", 1))
for vif, name in ((0, up), (1, down)):
    # struct vifctl: vifi, flags, threshold, rate_limit, lcl_ifindex, rmt_addr
    s.setsockopt(socket.IPPROTO_IP, MRT_ADD_VIF,
                 struct.pack("=HBBIi4s", vif, VIFF_USE_IFINDEX, 1, 0,
                             socket.if_nametoindex(name), bytes(4)))
ttls = bytes([255, 1] + [255] * 30)
# struct mfcctl: origin, group, parent vif, ttls[32], (pad), pkt/byte/wrong_if counts, expire
s.setsockopt(socket.IPPROTO_IP, MRT_ADD_MFC,
             struct.pack("=4s4sH32s2xIIIi", socket.inet_aton(source), socket.inet_aton(group),
                         0, ttls, 0, 0, 0, 0))
print("routing", flush=True)
while True:
    time.sleep(3600)
