package org.emergence.metrics.grpc;

import io.quarkus.grpc.GlobalInterceptor;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.emergence.proto.grpc.ServiceCredential;

import java.util.Optional;

/** Only the suite's own services may call this one, when the service credential is set. */
@Singleton
@GlobalInterceptor
public class ServiceCredentialCheck extends ServiceCredential {

    public ServiceCredentialCheck(@ConfigProperty(name = SETTING) Optional<String> secret) {
        super(secret);
    }
}
