package dev.marina.provisioner.ec2;

/** An EC2 call answered with an error: the call, AWS's error code and message, and the HTTP status. */
public final class Ec2CallException extends RuntimeException {

    private final String action;
    private final String code;
    private final String awsMessage;
    private final int status;

    public Ec2CallException(String action, String code, String awsMessage, int status, Throwable cause) {
        super(action + ": " + code + ": " + awsMessage + " (HTTP " + status + ")", cause);
        this.action = action;
        this.code = code;
        this.awsMessage = awsMessage;
        this.status = status;
    }

    public String action() {
        return action;
    }

    public String code() {
        return code;
    }

    public String awsMessage() {
        return awsMessage;
    }

    public int status() {
        return status;
    }

    public Ec2Errors.Kind kind() {
        return Ec2Errors.classify(code, status);
    }
}
