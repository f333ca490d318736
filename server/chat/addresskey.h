#pragma once
// The key under which per-address policies count a client: its IPv4
// address, or the /64 prefix of its IPv6 address (one subscriber usually
// holds a whole /64, so counting single IPv6 addresses would be no limit).

#include <QHostAddress>
#include <QString>

namespace longline::server {

QString addressKey(const QHostAddress &address);

} // namespace longline::server
