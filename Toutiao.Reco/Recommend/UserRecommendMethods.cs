using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Toutiao.Reco.Grpc;

namespace Toutiao.Reco.Recommend;

/// <summary>
/// Binds <c>UserRecommend.user_recommend</c> to <see cref="UserRecommendService"/>, in place of the
/// generated binding: a request body that is not a <c>UserRequest</c> message is the caller's fault,
/// so it is <c>INVALID_ARGUMENT</c>, where the generated marshaller's parse error would be
/// <c>UNKNOWN</c>. The request is parsed before any interceptor runs, so only the marshaller can
/// say so. The names come from <c>reco.proto</c>, the original contract.
/// </summary>
public sealed class UserRecommendMethods : IServiceMethodProvider<UserRecommendService>
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = RecoReflection.Descriptor.Services.Single();

    public static readonly Method<UserRequest, ArticleResponse> Recommend = new(
        MethodType.Unary,
        Service.FullName,
        Service.FindMethodByName("user_recommend").Name,
        Marshallers.Create(Serialize, ParseRequest),
        Marshallers.Create(Serialize, context => ArticleResponse.Parser.ParseFrom(context.PayloadAsReadOnlySequence())));

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<UserRecommendService> context)
        => context.AddUnaryMethod(Recommend, [new HttpMethodMetadata(["POST"], acceptCorsPreflight: true)],
            (service, request, call) => service.user_recommend(request, call));

    private static UserRequest ParseRequest(DeserializationContext context)
    {
        try
        {
            return UserRequest.Parser.ParseFrom(context.PayloadAsReadOnlySequence());
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"The request is not a UserRequest message: {ex.Message}"));
        }
    }

    private static void Serialize<T>(T message, SerializationContext context) where T : IBufferMessage
    {
        context.SetPayloadLength(((IMessage)message).CalculateSize());
        message.WriteTo(context.GetBufferWriter());
        context.Complete();
    }
}
