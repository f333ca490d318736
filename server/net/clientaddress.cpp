#include "clientaddress.h"

#include <netinet/in.h>

namespace longline::server::net {

QHostAddress clientAddress(const asio::ip::address &address)
{
    if (address.is_v4())
        return QHostAddress(address.to_v4().to_uint());
    const asio::ip::address_v6 v6 = address.to_v6();
    if (v6.is_v4_mapped())
        return QHostAddress(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_uint());
    const auto bytes = v6.to_bytes();
    return QHostAddress(bytes.data());
}

QHostAddress clientAddress(const sockaddr_storage &address, quint16 *port)
{
    QHostAddress a(reinterpret_cast<const sockaddr *>(&address));
    if (address.ss_family == AF_INET)
        *port = ntohs(reinterpret_cast<const sockaddr_in &>(address).sin_port);
    else if (address.ss_family == AF_INET6)
        *port = ntohs(reinterpret_cast<const sockaddr_in6 &>(address).sin6_port);
    bool mapped = false;
    const quint32 v4 = a.protocol() == QAbstractSocket::IPv6Protocol ? a.toIPv4Address(&mapped) : 0;
    return mapped ? QHostAddress(v4) : a;
}

QHostAddress typedAddress(const QString &text)
{
    const QHostAddress address(text.trimmed());
    if (address.protocol() != QAbstractSocket::IPv6Protocol)
        return address;
    std::error_code ec;
    const asio::ip::address parsed = asio::ip::make_address(address.toString().toStdString(), ec);
    return ec ? address : clientAddress(parsed);
}

QString formatEndpoint(const QHostAddress &address, quint16 port)
{
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(address.toString())
                             : address.toString();
    return QStringLiteral("%1:%2").arg(host).arg(port);
}

asio::ip::address listenAddress(const QHostAddress &address, bool *dualStack)
{
    *dualStack = address == QHostAddress(QHostAddress::Any);
    if (*dualStack || address == QHostAddress(QHostAddress::AnyIPv6))
        return asio::ip::address_v6::any();
    if (address == QHostAddress(QHostAddress::AnyIPv4))
        return asio::ip::address_v4::any();
    std::error_code ec;
    const asio::ip::address a = asio::ip::make_address(address.toString().toStdString(), ec);
    return ec ? asio::ip::address() : a;
}

} // namespace longline::server::net
