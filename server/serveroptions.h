#pragma once
// The one table of longline-server's settings. Each row is both a flag
// (--key VALUE) and a configuration-file key (key = value); the parser, the
// --help text, the man page, the commented default server.conf and the
// --check-config report are all produced from it, so they cannot drift.

#include "serverconfig.h"

#include <QCommandLineOption>
#include <QList>
#include <QMap>
#include <QString>

namespace longline::server {

struct ServerOption
{
    QString key;       // the flag without "--", and the file key
    QString valueName; // "HOST:PORT", as --help shows it
    QString help;      // what it does, one or two sentences
    // Shown instead of the value when the default is not a plain value
    // ("stderr"); empty means the default is show(ServerConfig{}).
    QString defaultNote;
    // A path: relative values in the file are taken from the file's directory.
    bool isPath = false;
    // Sets the value into the config; false with *error (no key prefix).
    bool (*apply)(ServerConfig &config, const QString &value, QString *error) = nullptr;
    // The value in force, as the file would spell it ("" = unset).
    QString (*show)(const ServerConfig &config) = nullptr;

    // help + "Default: ...", as --help, the man page and server.conf say it.
    QString description() const;
    QString defaultText() const;
};

const QList<ServerOption> &serverOptions();
const ServerOption *findServerOption(const QString &key);

// Where each key's value came from: "--rate", "/etc/longline/server.conf:7";
// keys left at their default are absent.
using SettingOrigins = QMap<QString, QString>;

// True when the PEM certificate (chain) and the RSA or EC key load; else
// false with the reason. For --check-config; the server loads them itself.
bool checkTlsFiles(const QString &certPath, const QString &keyPath, QString *error);

// The roff man page (longline-server --man).
QString serverManPage(const QList<QCommandLineOption> &generalOptions);
// The commented default configuration file (longline-server --default-config).
QString defaultConfigText();
// What --check-config prints: every key with its value in force and origin.
QString effectiveSettingsText(const ServerConfig &config, const SettingOrigins &origins);

} // namespace longline::server
