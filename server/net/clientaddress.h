#pragma once
// Client addresses as the chat and the log show them.

#include <QHostAddress>
#include <QString>
#include <asio/ip/address.hpp>
#include <sys/socket.h>

namespace longline::server::net {

// IPv4 clients of a dual-stack [::] listener show up as ::ffff:a.b.c.d;
// they are counted and printed as the IPv4 address they are.
QHostAddress clientAddress(const asio::ip::address &address);
// The same for an address from accept() or getpeername(); sets `*port`.
QHostAddress clientAddress(const sockaddr_storage &address, quint16 *port);
// An address an operator typed (ban, unban, kick), in the same form:
// "::ffff:203.0.113.9" is the IPv4 client 203.0.113.9. Null when not an address.
QHostAddress typedAddress(const QString &text);
// "127.0.0.1:40112", "[::1]:40112"
QString formatEndpoint(const QHostAddress &address, quint16 port);
// The listener's address for Asio; QHostAddress::Any is the dual-stack "::".
asio::ip::address listenAddress(const QHostAddress &address, bool *dualStack);

} // namespace longline::server::net
