package dev.marina.agent.database;

/**
 * SQL the server runs at its first start ({@code --init-file}), before it accepts connections: the
 * agent's own user, and the template's passwordless root accounts for TCP removed. Nothing of it
 * goes to the binlog: these accounts belong to this instance, a replica must never receive them.
 * One statement per line, no comments: the init file reader is simple.
 */
final class InitSql {
    private InitSql() {}

    static String render(String agentPasswordHash) {
        String agent = "'" + MariaDbServer.AGENT_USER + "'@'%'";
        return String.join("\n",
                "SET sql_log_bin=0;",
                "CREATE USER IF NOT EXISTS " + agent + " IDENTIFIED BY PASSWORD '" + agentPasswordHash + "';",
                "ALTER USER " + agent + " IDENTIFIED BY PASSWORD '" + agentPasswordHash + "';",
                "GRANT ALL PRIVILEGES ON *.* TO " + agent + " WITH GRANT OPTION;",
                "DELETE FROM mysql.global_priv WHERE User='root' AND Host<>'localhost';",
                "DELETE FROM mysql.proxies_priv WHERE Host<>'localhost';",
                "FLUSH PRIVILEGES;",
                "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket;",
                "");
    }
}
