# Debian packages with CPack: `cpack -G DEB` in the build directory makes
#   longline-server  the daemon, its systemd unit, server.conf, man page
#   longline         the desktop client and longline-cli, desktop file,
#                    icons, AppStream metadata, man pages
#   longline-lab     the NAT lab script and its man page
# Why CPack and not a debian/ directory: docs/operations.md, "Packages".
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME longline)
set(CPACK_PACKAGE_VENDOR "Longline")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "The Longline developers <longline@example.org>")
# Debian's layout, whatever prefix `cmake --install` would use. With DESTDIR
# staging the install scripts see the real prefix (/usr), so the unit's
# ExecStart names /usr/bin, and /etc/longline lands inside the package.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_COMPONENTS_ALL server client lab)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # name_version_arch.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# Library dependencies come from dpkg-shlibdeps; what is loaded at run time
# without being linked (Qt plugins, the lab's tools) is listed by hand.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)

set(LONGLINE_DEB_SCRIPTS ${PROJECT_SOURCE_DIR}/resources/debian)
file(WRITE ${PROJECT_BINARY_DIR}/debian/longline-server/conffiles "${LONGLINE_CONFIG_FILE}\n")

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME longline-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "libqt6sql6-sqlite")
set(CPACK_DEBIAN_SERVER_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_SERVER_PACKAGE_SUGGESTS "longline, sqlite3")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${LONGLINE_DEB_SCRIPTS}/longline-server/postinst
    ${LONGLINE_DEB_SCRIPTS}/longline-server/prerm
    ${LONGLINE_DEB_SCRIPTS}/longline-server/postrm
    ${PROJECT_BINARY_DIR}/debian/longline-server/conffiles)
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_COMPONENT_SERVER_DESCRIPTION
    "chat server for long-lived TCP connections
 longline-server holds chat clients on long-lived TCP or TLS connections with
 a line protocol, keeps the history in SQLite, and notices dead clients with
 TCP keepalive, TCP_USER_TIMEOUT and application heartbeats, logging each
 death's cause and detection time. Runs as a sandboxed systemd service
 configured in /etc/longline/server.conf.")

set(CPACK_DEBIAN_CLIENT_PACKAGE_NAME longline)
set(CPACK_DEBIAN_CLIENT_PACKAGE_DEPENDS "qt6-qpa-plugins")
set(CPACK_DEBIAN_CLIENT_PACKAGE_RECOMMENDS "fonts-noto-cjk")
set(CPACK_DEBIAN_CLIENT_PACKAGE_SUGGESTS "longline-server, longline-lab")
set(CPACK_DEBIAN_CLIENT_PACKAGE_SECTION net)
set(CPACK_COMPONENT_CLIENT_DESCRIPTION
    "chat clients that show how TCP connections live and die
 The desktop client (longline) and the terminal client (longline-cli) chat
 with a longline-server and show the connection's liveness: round trips,
 the kernel's keepalive timer and unanswered probes, and when a connection
 dies silently, why and how fast the death was noticed.")

set(CPACK_DEBIAN_LAB_PACKAGE_NAME longline-lab)
set(CPACK_DEBIAN_LAB_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_LAB_PACKAGE_DEPENDS
    "python3, iproute2, nftables, longline-server (= ${PROJECT_VERSION}), longline (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_LAB_PACKAGE_RECOMMENDS "tcpdump, conntrack")
set(CPACK_COMPONENT_LAB_DESCRIPTION
    "NAT lab for watching idle TCP connections die
 longline-lab builds a client, a NAT gateway with a short idle timeout and a
 server in network namespaces, runs the Longline programs through it, and
 shows silent NAT expiry and how keepalive, TCP_USER_TIMEOUT and heartbeats
 deal with it.")

include(CPack)
