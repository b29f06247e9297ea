package org.emergence.gateway;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * A JAX-RS resource under /api beside the routes derived from the gRPC contract (as the export
 * endpoints are): HttpApiTest checks that the mapping leaves paths it does not know to it.
 */
@Path("/api/experiments/{id}/other")
public class OtherApiResource {

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public String get(@PathParam("id") String id) {
        return "other " + id;
    }
}
