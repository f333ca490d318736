// Apart from kernelsocketview.cpp because it needs the kernel's own
// struct tcp_info: glibc's <netinet/tcp.h> copy ends before tcpi_bytes_acked,
// and the two headers cannot be included together.

#include "kernelsocketview.h"

#if defined(Q_OS_LINUX)
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#endif

namespace longline {

std::optional<quint64> kernelBytesAcked(qintptr fd)
{
#if defined(Q_OS_LINUX)
    tcp_info info{};
    socklen_t length = sizeof(info);
    if (::getsockopt(static_cast<int>(fd), IPPROTO_TCP, TCP_INFO, &info, &length) != 0)
        return std::nullopt;
    // An older kernel fills less of the struct than these headers know.
    if (length < offsetof(tcp_info, tcpi_bytes_acked) + sizeof(info.tcpi_bytes_acked))
        return std::nullopt;
    return static_cast<quint64>(info.tcpi_bytes_acked);
#else
    Q_UNUSED(fd);
    return std::nullopt;
#endif
}

} // namespace longline
