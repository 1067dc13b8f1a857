import { strict as assert } from "assert";
import { isUnpinnedImage, unpinnedImagesInValues } from "../../components/core/images";

describe("images", () => {
    it("tells pinned images from unpinned ones", () => {
        for (const pinned of [
            "nats:2.10.21-alpine",
            "registry:5000/team/app:1.2",
            "busybox@sha256:abc",
            "docker.io/library/busybox:1.37.0",
        ]) {
            assert.equal(isUnpinnedImage(pinned), false, pinned);
        }
        for (const unpinned of ["busybox", "docker.io/library/busybox", "registry:5000/team/app", "bitnami/kubectl:latest", "app:"]) {
            assert.equal(isUnpinnedImage(unpinned), true, unpinned);
        }
    });

    it("finds unpinned images anywhere in a values tree, and leaves chart-default tags alone", () => {
        const values = {
            a: { image: { repository: "x", tag: "latest" } },
            b: [{ image: "busybox" }, { image: "busybox:1.37.0" }],
            c: { image: { repository: "y", tag: "" } },
            d: { image: { repository: "z" } },
        };
        assert.deepEqual(unpinnedImagesInValues(values), ["a.image.tag", "b[0].image"]);
    });
});
