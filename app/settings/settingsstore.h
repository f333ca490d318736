#pragma once
// Everything the desktop client remembers between runs, in one QSettings:
// the last server and nick, the liveness configuration and view choices.

#include "livenessconfig.h"

#include <QByteArray>
#include <QSettings>
#include <QString>
#include <memory>

namespace longline::app {

struct ConnectionProfile
{
    ConnectionProfile() = default;
    ConnectionProfile(const QString &host, quint16 port, const QString &nick)
        : host(host), port(port), nick(nick)
    {
    }

    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 9999;
    QString nick;         // empty: ask
    bool tls = false;     // encrypt with TLS
    QString pinnedSha256; // a certificate fingerprint the user chose to trust
    QString password;     // the server's password; kept in memory, never stored
};

class SettingsStore
{
public:
    // The user's configuration file (QSettings' native location), or a
    // given INI file when `iniPath` is set (tests, screenshots).
    explicit SettingsStore(const QString &iniPath = {});

    LivenessConfig liveness() const;
    void setLiveness(const LivenessConfig &config);

    // The last connection; setting it also puts it first among the saved
    // servers (one entry per host and port, without the password).
    ConnectionProfile connection() const;
    void setConnection(const ConnectionProfile &profile);
    static constexpr int MaxSavedServers = 8;
    QList<ConnectionProfile> savedServers() const;

    bool largeFont() const;
    void setLargeFont(bool on);

    // Adaptive keep-warm (AdaptiveKeepWarm), and where it keeps measured
    // values per network: paths.ini beside this file.
    bool adaptiveKeepWarm() const;
    void setAdaptiveKeepWarm(bool on);
    QString pathStoreFile() const;

    QByteArray windowGeometry() const;
    QByteArray windowState() const;
    void setWindow(const QByteArray &geometry, const QByteArray &state);

    void sync() { m_settings->sync(); }
    QString fileName() const { return m_settings->fileName(); }

private:
    std::unique_ptr<QSettings> m_settings;
};

} // namespace longline::app
