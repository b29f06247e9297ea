package org.emergence.gateway.experiments;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.GroupSweep;
import org.emergence.proto.v1.RunConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A group's sweep as member configs: one per seed, or one per value of a scalar field of
 * RunConfig named by its path of proto field names. Everything is checked before any member
 * starts: the path names a scalar field (through singular messages, and through the oneof case
 * the base run has, if it has one), every value parses for the field's type, and there are at
 * most {@code maxMembers} members.
 */
final class Sweeps {

    /** One member: the swept value as text and its run config. */
    record Member(String value, RunConfig run) {
    }

    private Sweeps() {
    }

    static List<Member> expand(RunConfig base, GroupSweep sweep, int maxMembers) {
        return switch (sweep.getSweepCase()) {
            case SEEDS -> seeds(base, sweep, maxMembers);
            case FIELD -> field(base, sweep, maxMembers);
            case SWEEP_NOT_SET -> throw RequestException.invalid("sweep", "sweep is required: seeds or field");
        };
    }

    private static List<Member> seeds(RunConfig base, GroupSweep sweep, int maxMembers) {
        List<Long> seeds = new ArrayList<>(sweep.getSeeds().getSeedsList());
        int count = sweep.getSeeds().getCount();
        if (!seeds.isEmpty() && count != 0) {
            throw RequestException.invalid("sweep.seeds.count", "sweep.seeds: give seeds or a count, not both");
        }
        if (seeds.isEmpty()) {
            if (count <= 0) {
                throw RequestException.invalid("sweep.seeds.count",
                        "sweep.seeds.count must be positive (or give sweep.seeds.seeds), got " + count);
            }
            limit("sweep.seeds.count", count, maxMembers);
            for (int i = 0; i < count; i++) {
                seeds.add(base.getSeed() + i);
            }
        }
        limit("sweep.seeds.seeds", seeds.size(), maxMembers);
        return seeds.stream().map(seed -> new Member(Long.toUnsignedString(seed), base.toBuilder().setSeed(seed).build()))
                .toList();
    }

    private static List<Member> field(RunConfig base, GroupSweep sweep, int maxMembers) {
        String path = sweep.getField().getPath();
        List<FieldDescriptor> fields = resolve(base, path);
        List<String> values = sweep.getField().getValuesList();
        if (values.isEmpty()) {
            throw RequestException.invalid("sweep.field.values", "sweep.field.values must name at least one value");
        }
        limit("sweep.field.values", values.size(), maxMembers);
        FieldDescriptor last = fields.get(fields.size() - 1);
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            String field = "sweep.field.values[" + i + "]";
            Object value = parse(last, values.get(i), field, path);
            RunConfig.Builder run = base.toBuilder();
            Message.Builder builder = run;
            for (FieldDescriptor step : fields.subList(0, fields.size() - 1)) {
                builder = builder.getFieldBuilder(step);
            }
            builder.setField(last, value);
            members.add(new Member(values.get(i), run.build()));
        }
        return members;
    }

    /** The fields along {@code path} from RunConfig, the last one scalar; INVALID_ARGUMENT on sweep.field.path if not. */
    static List<FieldDescriptor> resolve(RunConfig base, String path) {
        String field = "sweep.field.path";
        if (path.isBlank()) {
            throw RequestException.invalid(field, field + " is required, e.g. optimizer.weight_decay");
        }
        String[] names = path.split("\\.", -1);
        List<FieldDescriptor> fields = new ArrayList<>();
        Descriptor type = RunConfig.getDescriptor();
        Message at = base;
        for (int i = 0; i < names.length; i++) {
            FieldDescriptor fd = type.findFieldByName(names[i]);
            String upTo = String.join(".", Arrays.copyOfRange(names, 0, i + 1));
            if (fd == null) {
                throw RequestException.invalid(field, field + ": " + type.getName() + " has no field " + names[i]
                        + " (at " + upTo + " of " + path + ")");
            }
            if (fd.isRepeated() || fd.isMapField()) {
                throw RequestException.invalid(field, field + ": " + upTo + " is a list; a sweep sets one scalar field");
            }
            var oneof = fd.getRealContainingOneof();
            if (oneof != null && at != null) {
                FieldDescriptor set = at.getOneofFieldDescriptor(oneof);
                if (set != null && set != fd) {
                    throw RequestException.invalid(field, field + ": the base run's " + oneof.getName() + " is "
                            + set.getName() + ", not " + names[i]);
                }
            }
            fields.add(fd);
            boolean lastName = i == names.length - 1;
            if (fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                if (lastName) {
                    throw RequestException.invalid(field, field + ": " + path + " is a message ("
                            + fd.getMessageType().getName() + "); name one of its scalar fields");
                }
                at = at != null && at.hasField(fd) ? (Message) at.getField(fd) : null;
                type = fd.getMessageType();
            } else if (!lastName) {
                throw RequestException.invalid(field, field + ": " + upTo + " is a scalar; " + path + " goes past it");
            }
        }
        return fields;
    }

    private static Object parse(FieldDescriptor fd, String text, String field, String path) {
        String t = text.strip();
        try {
            return switch (fd.getType()) {
                case INT32, SINT32, SFIXED32 -> Integer.parseInt(t);
                case INT64, SINT64, SFIXED64 -> Long.parseLong(t);
                case UINT32, FIXED32 -> Integer.parseUnsignedInt(t);
                case UINT64, FIXED64 -> Long.parseUnsignedLong(t);
                case DOUBLE -> finite(Double.parseDouble(t));
                case FLOAT -> (float) finite(Float.parseFloat(t));
                case BOOL -> switch (t) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw new NumberFormatException();
                };
                case STRING -> text;
                case ENUM -> enumValue(fd, t);
                default -> throw RequestException.invalid("sweep.field.path",
                        "sweep.field.path: " + path + " is a " + fd.getType() + " field, which a sweep cannot set");
            };
        } catch (NumberFormatException e) {
            throw RequestException.invalid(field, field + ": \"" + text + "\" is not a " + typeName(fd) + ", the type of "
                    + path);
        }
    }

    private static double finite(double value) {
        if (!Double.isFinite(value)) {
            throw new NumberFormatException();
        }
        return value;
    }

    private static EnumValueDescriptor enumValue(FieldDescriptor fd, String text) {
        EnumValueDescriptor value = fd.getEnumType().findValueByName(text);
        if (value == null) {
            throw new NumberFormatException();
        }
        return value;
    }

    private static String typeName(FieldDescriptor fd) {
        return switch (fd.getType()) {
            case ENUM -> "value of " + fd.getEnumType().getName() + " (" + fd.getEnumType().getValues().stream()
                    .map(EnumValueDescriptor::getName).collect(Collectors.joining(", ")) + ")";
            case BOOL -> "bool (true or false)";
            case DOUBLE, FLOAT -> "finite " + fd.getType().name().toLowerCase();
            default -> fd.getType().name().toLowerCase();
        };
    }

    private static void limit(String field, int members, int maxMembers) {
        if (members > maxMembers) {
            throw RequestException.invalid(field, field + ": the sweep has " + members + " members, at most "
                    + maxMembers + " (gateway.group.max-members)");
        }
    }
}
